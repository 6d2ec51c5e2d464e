# TRL's example script with two --lora_target_modules: ModelConfig keeps them a list, and
# get_peft_config builds LoRA on every q_proj and v_proj.
accelerate launch --num_processes 2 sft.py \
    --model_name_or_path meta-llama/Llama-3.1-8B \
    --dataset_name trl-lib/Capybara \
    --output_dir out \
    --use_peft \
    --lora_r 16 \
    --lora_target_modules q_proj v_proj \
    --load_in_4bit
