# Flags HfArgumentParser accepts: fields, --no_<field> for a boolean that defaults to True,
# an unambiguous prefix, an alias from field metadata, and a flag of a local base dataclass.
torchrun --nproc_per_node 2 train.py \
    --model_name_or_path Qwen/Qwen2.5-0.5B \
    --output_dir out \
    --no_remove_unused_columns \
    --per_device_train_batch 2 \
    --rank 8 \
    --data_path data.json \
    --eval_strategy steps
