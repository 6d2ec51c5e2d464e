accelerate launch --config_file "deepspeed_config_z3.yaml" train.py --seed 100
