accelerate launch --config_file fsdp_config_qlora.yaml train.py
