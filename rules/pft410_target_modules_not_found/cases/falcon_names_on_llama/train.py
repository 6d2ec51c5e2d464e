from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
config = LoraConfig(r=16, target_modules=["query_key_value"], task_type="CAUSAL_LM")  # expect: PFT410
model = get_peft_model(model, config)
