from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("mistralai/Mixtral-8x7B-v0.1")
model = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear"))
args = TrainingArguments(output_dir="mixtral-lora", ddp_find_unused_parameters=True,
                         gradient_checkpointing=True, gradient_checkpointing_kwargs={"use_reentrant": False})
Trainer(model=model, args=args).train()
