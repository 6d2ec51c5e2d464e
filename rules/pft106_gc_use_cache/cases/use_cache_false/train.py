from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2", use_cache=False)
model = get_peft_model(model, LoraConfig(r=8, target_modules=["c_attn"]))
Trainer(model=model, args=TrainingArguments(output_dir="o", gradient_checkpointing=True)).train()
