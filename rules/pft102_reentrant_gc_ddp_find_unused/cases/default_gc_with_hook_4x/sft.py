from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model_id = "tiiuae/falcon-7b"
model = AutoModelForCausalLM.from_pretrained(model_id)
model.gradient_checkpointing_enable()
model = get_peft_model(model, LoraConfig(r=8, target_modules=["query_key_value"]))  # expect: PFT102
args = TrainingArguments(output_dir="falcon-lora", gradient_checkpointing=True, max_steps=100)
Trainer(model=model, args=args).train()
