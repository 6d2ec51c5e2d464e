# --target_modules is one comma-separated string, but ModelArguments.__post_init__ splits it
# into a list before LoraConfig sees it (Llama2-Chinese's finetune_clm_lora.py).
deepspeed --num_gpus 2 finetune.py \
    --model_name_or_path meta-llama/Llama-2-7b-chat-hf \
    --output_dir out \
    --lora_r 8 \
    --target_modules q_proj,k_proj,v_proj,o_proj
