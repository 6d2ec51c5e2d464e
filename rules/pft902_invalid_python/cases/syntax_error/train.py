from peft import LoraConfig, get_peft_model

config = LoraConfig(r=8, lora_alpha=16  # expect: PFT902
model = get_peft_model(model, config)
