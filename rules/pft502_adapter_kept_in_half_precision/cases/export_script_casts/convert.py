# A conversion script: it builds the PEFT model only to save it in half precision.
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = get_peft_model(AutoModelForCausalLM.from_pretrained("gpt2"), LoraConfig(target_modules=["c_attn"]))
model.to(torch.float16)
model.save_pretrained("converted")
