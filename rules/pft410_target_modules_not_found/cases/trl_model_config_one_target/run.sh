# TRL's example script: get_peft_config(model_args) builds the LoraConfig from ModelConfig, whose
# __post_init__ turns a --lora_target_modules list of one module back into the string "q_proj".
accelerate launch --num_processes 2 sft.py \
    --model_name_or_path meta-llama/Llama-3.1-8B \
    --dataset_name trl-lib/Capybara \
    --output_dir out \
    --use_peft \
    --lora_r 16 \
    --lora_target_modules q_proj \
    --load_in_4bit
