# TRL's SFT recipe under ZeRO-3, the LoRA adapter added by the trainer (trl#6089's shape)
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B", dtype=torch.bfloat16)
training_args = SFTConfig(output_dir="/tmp/sft-zero3-peft", bf16=True)
trainer = SFTTrainer(
    model=model,
    args=training_args,
    train_dataset=load_dataset("trl-lib/Capybara", split="train"),
    peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"),
)
trainer.train()
