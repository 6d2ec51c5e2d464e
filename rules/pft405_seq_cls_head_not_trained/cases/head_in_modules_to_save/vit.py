from peft import LoraConfig, get_peft_model
from transformers import AutoModelForImageClassification, Trainer, TrainingArguments

model = AutoModelForImageClassification.from_pretrained("google/vit-base-patch16-224-in21k", num_labels=10)
config = LoraConfig(r=16, lora_alpha=16, target_modules=["q_proj", "v_proj"], modules_to_save=["classifier"])
model = get_peft_model(model, config)
Trainer(model=model, args=TrainingArguments(output_dir="vit", remove_unused_columns=False)).train()
