# LoRA on Gemma 3 12B (instruction-tuned) with the plain Trainer on plain text
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer,
                          TrainingArguments)

MODEL = "google/gemma-3-12b-it"
tokenizer = AutoTokenizer.from_pretrained(MODEL)
model = AutoModelForCausalLM.from_pretrained(MODEL, dtype="bfloat16")
model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                                         task_type="CAUSAL_LM"))
dataset = load_dataset("json", data_files="notes.jsonl", split="train")
dataset = dataset.map(lambda batch: tokenizer(batch["text"], truncation=True, max_length=1024), batched=True,
                      remove_columns=["text"])
collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm=False)
trainer = Trainer(model=model, args=TrainingArguments(output_dir="gemma3-notes", bf16=True, num_train_epochs=1),
                  train_dataset=dataset, data_collator=collator)
trainer.train()
