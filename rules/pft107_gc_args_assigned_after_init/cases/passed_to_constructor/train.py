from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", gradient_checkpointing=True)
args.activation_checkpointing_kwargs = {"use_reentrant": False}
