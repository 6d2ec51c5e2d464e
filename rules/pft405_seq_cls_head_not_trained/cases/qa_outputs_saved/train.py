# A question-answering head is named qa_outputs; saving it trains it.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForQuestionAnswering, Trainer, TrainingArguments

model = AutoModelForQuestionAnswering.from_pretrained("deepset/roberta-base-squad2")
model = get_peft_model(model, LoraConfig(target_modules=["query", "value"], modules_to_save=["qa_outputs"]))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=[]).train()
