python train.py \
    --model_name_or_path meta-llama/Llama-3.1-8B \
    --output_dir out \
    --save_strategy step \
    --lr_scheduler_type cosine
