from peft import LoraConfig, get_peft_model
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

model = AutoModelForSequenceClassification.from_pretrained("facebook/opt-125m", num_labels=2, dtype="auto")
lora = LoraConfig(task_type="SEQ_CLS", r=8, lora_alpha=16, lora_dropout=0.1)  # expect: PFT501
model = get_peft_model(model, lora)
training_args = TrainingArguments(output_dir="opt-cls", fp16=True, eval_strategy="epoch")
Trainer(model=model, args=training_args, eval_dataset=[]).train()
