accelerate launch sft_gpt_oss.py --model_name_or_path openai/gpt-oss-20b --dataset_name HuggingFaceH4/Multilingual-Thinking --output_dir out
