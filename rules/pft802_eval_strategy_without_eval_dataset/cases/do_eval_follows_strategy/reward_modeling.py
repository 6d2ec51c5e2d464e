# the shape of MedicalGPT's training/reward_modeling.py: do_eval is never passed, but
# TrainingArguments.__post_init__ sets it to True because eval_strategy is not "no"
from datasets import load_dataset
from transformers import HfArgumentParser, Trainer, TrainingArguments

(training_args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
raw = load_dataset("json", data_files={"train": "train.json", "validation": "valid.json"})
train_dataset = raw["train"]
eval_dataset = None
if training_args.do_eval:
    eval_dataset = raw["validation"]
trainer = Trainer(
    model=None,
    args=training_args,
    train_dataset=train_dataset if training_args.do_train else None,
    eval_dataset=eval_dataset if training_args.do_eval else None,
)
if training_args.do_train:
    trainer.train()
