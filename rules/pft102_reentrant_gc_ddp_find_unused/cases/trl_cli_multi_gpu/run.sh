trl sft --config sft.yaml --accelerate_config multi_gpu
