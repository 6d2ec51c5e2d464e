python train.py --lora_target q_proj,k_proj,v_proj
