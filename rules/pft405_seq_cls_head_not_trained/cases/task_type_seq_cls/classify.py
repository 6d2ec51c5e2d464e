from peft import LoraConfig, get_peft_model
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

model = AutoModelForSequenceClassification.from_pretrained("meta-llama/Llama-3.2-1B", num_labels=3)
model.config.pad_token_id = model.config.eos_token_id
config = LoraConfig(task_type="SEQ_CLS", r=16, lora_alpha=32, target_modules=["q_proj", "v_proj"])
model = get_peft_model(model, config)
Trainer(model=model, args=TrainingArguments(output_dir="cls")).train()
