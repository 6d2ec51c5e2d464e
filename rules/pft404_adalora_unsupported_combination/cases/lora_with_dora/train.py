from peft import LoraConfig

config = LoraConfig(r=16, use_dora=True, target_modules="all-linear")
