from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-1.5B")
model = get_peft_model(model, LoraConfig(r=16, target_modules="q_proj"))  # expect: PFT410
