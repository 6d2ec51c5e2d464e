# ms-swift's agent example: Qwen2.5-3B ties its embeddings; swift trains both copies on purpose
# and unties the merged config in its export, with no flag for ensure_weight_tying.
CUDA_VISIBLE_DEVICES=0 \
swift sft \
    --model Qwen/Qwen2.5-3B \
    --tuner_type lora \
    --target_modules all-linear \
    --modules_to_save embed_tokens lm_head \
    --output_dir output
