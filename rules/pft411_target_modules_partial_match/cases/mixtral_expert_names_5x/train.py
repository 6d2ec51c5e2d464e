from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("mistralai/Mixtral-8x7B-v0.1")
model = get_peft_model(model, LoraConfig(r=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj", "w1", "w2", "w3"]))
