# Names people compute: split and strip in a comprehension, an f-string, a join back into one
# string (which PEFT then matches as a regex against the whole module name).
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

LORA_TARGET_MODULES = "q_proj, k_proj, v_proj"
kind = "o"
names = [name.strip() for name in LORA_TARGET_MODULES.split(",") if name.strip()] + [f"{kind}_proj"]
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
config = LoraConfig(r=8, target_modules=",".join(names), task_type="CAUSAL_LM")  # expect: PFT410
model = get_peft_model(model, config)
Trainer(model=model, args=TrainingArguments(output_dir="out")).train()
