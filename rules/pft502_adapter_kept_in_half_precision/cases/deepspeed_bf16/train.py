# Under DeepSpeed the half-precision adapter is trained from DeepSpeed's fp32 master copy.
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = get_peft_model(AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"]))
model = model.to(torch.bfloat16)
args = TrainingArguments(output_dir="out", bf16=True, deepspeed="ds_zero2.json")
Trainer(model=model, args=args, train_dataset=[]).train()
