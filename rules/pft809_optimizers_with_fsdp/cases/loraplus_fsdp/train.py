# LoRA+ from peft's docs, launched under FSDP
import torch
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from peft.optimizers import create_loraplus_optimizer
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B"),
                       LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
optimizer = create_loraplus_optimizer(model=model, optimizer_cls=torch.optim.AdamW, lr=5e-5, loraplus_lr_ratio=16)
trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"),
                  train_dataset=load_dataset("imdb", split="train"),
                  optimizers=(optimizer, None))  # expect: PFT809
trainer.train()
