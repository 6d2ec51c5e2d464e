from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("tiiuae/falcon-7b")
model = get_peft_model(model, LoraConfig(r=16, target_modules=["query_key_value", "dense"]))
