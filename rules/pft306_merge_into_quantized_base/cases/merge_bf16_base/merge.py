import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

base = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b", dtype=torch.bfloat16)
merged = PeftModel.from_pretrained(base, "guanaco-7b").merge_and_unload()
merged.save_pretrained("guanaco-merged")
