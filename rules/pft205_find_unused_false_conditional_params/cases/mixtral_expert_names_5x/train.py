from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("mistralai/Mixtral-8x7B-v0.1")
model = get_peft_model(model, LoraConfig(r=16, lora_dropout=0.0, target_modules=["q_proj", "w1", "w2", "w3"]))  # expect: PFT205
args = TrainingArguments(output_dir="mixtral-lora", ddp_find_unused_parameters=False)
Trainer(model=model, args=args).train()
