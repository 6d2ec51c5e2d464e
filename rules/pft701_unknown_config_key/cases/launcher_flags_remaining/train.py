from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments

parser = HfArgumentParser(TrainingArguments)
training_args, remaining = parser.parse_args_into_dataclasses(return_remaining_strings=True)
model = AutoModelForCausalLM.from_pretrained("facebook/opt-125m")
Trainer(model=model, args=training_args).train()
