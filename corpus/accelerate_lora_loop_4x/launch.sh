accelerate launch --multi_gpu --num_processes 4 train_lora.py
