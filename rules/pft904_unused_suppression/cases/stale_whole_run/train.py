from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

# The cache was turned off after the suppression was written; the comment is now stale.
model = AutoModelForCausalLM.from_pretrained("gpt2", use_cache=False)  # peft-lint: ignore[gc-use-cache]  # expect: PFT904
model = get_peft_model(model, LoraConfig(r=8, target_modules=["c_attn"]))
Trainer(model=model, args=TrainingArguments(output_dir="o", gradient_checkpointing=True)).train()
