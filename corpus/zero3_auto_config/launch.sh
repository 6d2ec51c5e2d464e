deepspeed --num_gpus 8 train.py \
  --deepspeed ds_z3.json \
  --output_dir qwen-lora \
  --per_device_train_batch_size 1 \
  --gradient_accumulation_steps 8 \
  --learning_rate 1e-4 \
  --bf16 True \
  --gradient_checkpointing True
