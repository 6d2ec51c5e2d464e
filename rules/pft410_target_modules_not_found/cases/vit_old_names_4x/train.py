from peft import LoraConfig, get_peft_model
from transformers import AutoModelForImageClassification

model = AutoModelForImageClassification.from_pretrained("google/vit-base-patch16-224-in21k", num_labels=5)
config = LoraConfig(r=16, lora_alpha=16, target_modules=["query", "value"], modules_to_save=["classifier"])
model = get_peft_model(model, config)
