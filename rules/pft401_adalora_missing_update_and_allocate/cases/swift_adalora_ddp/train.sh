# ms-swift's AdaLoRA example, launched on two GPUs: swift's callback patches the PeftModel's
# zero_grad, but under DDP the Trainer calls the DDP wrapper's, so the ranks never reallocate.
NPROC_PER_NODE=2 \
CUDA_VISIBLE_DEVICES=0,1 \
swift sft \
    --model Qwen/Qwen2.5-7B-Instruct \
    --tuner_type adalora \
    --dataset AI-ModelScope/alpaca-gpt4-data-en \
    --target_modules q_proj v_proj \
    --output_dir output
