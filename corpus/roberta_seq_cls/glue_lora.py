import evaluate
import numpy as np
from datasets import load_dataset
from peft import LoraConfig, TaskType, get_peft_model
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                          TrainingArguments)

model_name = "roberta-large"
tokenizer = AutoTokenizer.from_pretrained(model_name)
dataset = load_dataset("glue", "mrpc")
metric = evaluate.load("glue", "mrpc")


def tokenize(examples):
    return tokenizer(examples["sentence1"], examples["sentence2"], truncation=True)


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    return metric.compute(predictions=np.argmax(predictions, axis=1), references=labels)


tokenized = dataset.map(tokenize, batched=True, remove_columns=["idx", "sentence1", "sentence2"])
model = AutoModelForSequenceClassification.from_pretrained(model_name, num_labels=2)
peft_config = LoraConfig(task_type=TaskType.SEQ_CLS, inference_mode=False, r=8, lora_alpha=16, lora_dropout=0.1,
                         target_modules=["query", "value"])
model = get_peft_model(model, peft_config)
args = TrainingArguments(
    output_dir="roberta-large-lora-mrpc",
    learning_rate=1e-3,
    per_device_train_batch_size=16,
    num_train_epochs=10,
    weight_decay=0.01,
    eval_strategy="epoch",
    save_strategy="epoch",
    load_best_model_at_end=True,
)
trainer = Trainer(model=model, args=args, train_dataset=tokenized["train"], eval_dataset=tokenized["validation"],
                  processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
                  compute_metrics=compute_metrics)
trainer.train()
