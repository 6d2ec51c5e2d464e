from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("gpt2")
model.compile()
model = get_peft_model(model, LoraConfig(r=8, target_modules=["c_attn"]))
