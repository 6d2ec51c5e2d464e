# The Hugging Face course's fine-tuning chapter, as written for transformers 4.x
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding,
                          Trainer, TrainingArguments)

checkpoint = "bert-base-uncased"
raw_datasets = load_dataset("glue", "mrpc")
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=2)
model = get_peft_model(model, LoraConfig(r=8, target_modules=["query", "value"], task_type="SEQ_CLS"))
training_args = TrainingArguments("test-trainer", eval_strategy="epoch")
trainer = Trainer(
    model,
    training_args,
    train_dataset=raw_datasets["train"],
    eval_dataset=raw_datasets["validation"],
    data_collator=DataCollatorWithPadding(tokenizer=tokenizer),
    tokenizer=tokenizer,  # expect: PFT803
)
trainer.train()
