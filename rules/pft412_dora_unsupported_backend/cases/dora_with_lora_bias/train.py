from peft import LoraConfig

config = LoraConfig(r=16, use_dora=True, lora_bias=True, target_modules="all-linear")  # expect: PFT412
