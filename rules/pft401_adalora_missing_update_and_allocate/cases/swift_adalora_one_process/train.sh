# The same in one process (no NPROC_PER_NODE): the Trainer calls the PeftModel's own zero_grad,
# which swift's callback patched to allocate first.
CUDA_VISIBLE_DEVICES=0 \
swift sft \
    --model Qwen/Qwen2.5-7B-Instruct \
    --tuner_type adalora \
    --dataset AI-ModelScope/alpaca-gpt4-data-en \
    --output_dir output
