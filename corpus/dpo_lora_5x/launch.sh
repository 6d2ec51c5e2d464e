accelerate launch --num_processes 8 dpo.py
