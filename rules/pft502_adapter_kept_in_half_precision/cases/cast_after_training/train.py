# The cast comes after training, for the exported copy.
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = get_peft_model(AutoModelForCausalLM.from_pretrained("gpt2"), LoraConfig(target_modules=["c_attn"]))
trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=[])
trainer.train()
model = model.half()
model.save_pretrained("out/half")
