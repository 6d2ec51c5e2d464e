from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

from my_project.modeling import patch_model

model = AutoModelForCausalLM.from_pretrained("gpt2")
model = get_peft_model(model, LoraConfig(r=4, target_modules=["c_attn"]))
patch_model(model)
Trainer(model=model, args=TrainingArguments(output_dir="o", gradient_checkpointing=True)).train()
