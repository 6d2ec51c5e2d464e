from transformers import HfArgumentParser, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
args.gradient_checkpointing = True  # expect: PFT107
args.gradient_checkpointing_kwargs = {"use_reentrant": False}  # expect: PFT107
