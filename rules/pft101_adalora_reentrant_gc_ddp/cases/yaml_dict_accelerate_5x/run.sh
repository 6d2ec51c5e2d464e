accelerate launch --config_file accelerate.yaml finetune.py
