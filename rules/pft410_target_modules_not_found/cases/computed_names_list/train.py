# The computed names as a list: q_proj, k_proj, v_proj, o_proj all match llama modules.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

LORA_TARGET_MODULES = "q_proj, k_proj, v_proj"
kind = "o"
names = [name.strip() for name in LORA_TARGET_MODULES.split(",") if name.strip()] + [f"{kind}_proj"]
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
config = LoraConfig(r=8, target_modules=names, task_type="CAUSAL_LM")
model = get_peft_model(model, config)
Trainer(model=model, args=TrainingArguments(output_dir="out")).train()
