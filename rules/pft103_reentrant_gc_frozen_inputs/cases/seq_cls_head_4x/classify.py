from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

model = AutoModelForSequenceClassification.from_pretrained("roberta-large", num_labels=2)
peft_config = LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, lora_dropout=0.1)
model = get_peft_model(model, peft_config)  # expect: PFT103
args = TrainingArguments(output_dir="cls", gradient_checkpointing=True, num_train_epochs=3)
Trainer(model=model, args=args).train()
