# LoRA under DDP with checkpointing on (swift's default) and find_unused_parameters=True: swift
# forces use_reentrant=False under torchrun without DeepSpeed, so DDP's hooks fire once.
NPROC_PER_NODE=2 \
swift sft \
    --model Qwen/Qwen2.5-7B-Instruct \
    --tuner_type lora \
    --dataset AI-ModelScope/alpaca-gpt4-data-en \
    --output_dir output
