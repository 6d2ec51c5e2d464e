# LoRA on a bf16 Qwen2.5 with the plain Trainer under ZeRO-3
import torch
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer, TrainingArguments

tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", dtype=torch.bfloat16)
model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
args = TrainingArguments(output_dir="out", bf16=True, deepspeed="ds_zero3.json", per_device_train_batch_size=4)
trainer = Trainer(model=model, args=args, train_dataset=load_dataset("imdb", split="train"),
                  data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))
trainer.train()
