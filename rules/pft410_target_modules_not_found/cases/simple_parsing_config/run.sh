python train.py --lora_r 16 --lora_target q_proj  # expect: PFT410
