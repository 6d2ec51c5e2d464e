# MedicalGPT's shape: TrlParser over ModelConfig, ScriptArguments and GRPOConfig; transformers
# 5.15 removed warmup_ratio, so the parser leaves it over and stops.
torchrun --nproc_per_node 2 grpo_training.py \
    --model_name_or_path Qwen/Qwen2.5-0.5B-Instruct \
    --dataset_name trl-lib/tldr \
    --use_peft True \
    --lora_r 16 \
    --lora_target_modules q_proj v_proj \
    --learning_rate 1e-5 \
    --warmup_ratio 0.03 \
    --output_dir out
