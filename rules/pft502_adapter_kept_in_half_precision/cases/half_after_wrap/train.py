import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B")
model = get_peft_model(model, LoraConfig(r=16, target_modules=["q_proj", "v_proj"]))
model = model.to(torch.bfloat16)  # expect: PFT502
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=[]).train()
