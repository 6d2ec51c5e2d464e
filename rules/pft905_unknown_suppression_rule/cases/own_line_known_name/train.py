from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

# peft-lint: ignore[pft106, gc-use-cache] evaluation generates with the cache on
model = AutoModelForCausalLM.from_pretrained("gpt2", use_cache=True)
model = get_peft_model(model, LoraConfig(r=8, target_modules=["c_attn"]))
Trainer(model=model, args=TrainingArguments(output_dir="o", gradient_checkpointing=True)).train()
