from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
config = LoraConfig(r=16, target_modules="all-linear", modules_to_save=["lm_head", "embed_tokens"])
model = get_peft_model(model, config)
