from peft import LoraConfig

config = LoraConfig(r=8, lora_alpha=16)
