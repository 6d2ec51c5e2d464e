import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("facebook/opt-350m", torch_dtype=torch.float16)
config = LoraConfig(r=8, target_modules=["q_proj", "v_proj"], modules_to_save=["lm_head"])  # expect: PFT409
model = get_peft_model(model, config)
Trainer(model=model, args=TrainingArguments(output_dir="out", bf16=True)).train()
