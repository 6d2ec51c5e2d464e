from transformers import HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_yaml_file("config.yaml")
Trainer(model=None, args=args, eval_dataset=[]).train()
