# FastChat's train_lora shape: the flags go to HfArgumentParser, and transformers 5 has no
# --evaluation_strategy (renamed eval_strategy in 4.41, the old name removed in 4.51).
deepspeed fastchat/train/train_lora.py \
    --model_name_or_path lmsys/vicuna-7b-v1.5 \
    --lora_r 8 \
    --output_dir ./checkpoints \
    --evaluation_strategy "no" \
    --no_remove_unused_columns \
    --per_device_train_batch 2 \
    --gradient_checkpointing True
