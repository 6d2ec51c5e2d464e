from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("google/gemma-2-2b")
config = LoraConfig(r=16, target_modules="all-linear", modules_to_save=["lm_head", "embed_tokens"])  # expect: PFT409
model = get_peft_model(model, config)
