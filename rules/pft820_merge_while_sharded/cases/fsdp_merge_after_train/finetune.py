# LoRA with the plain Trainer under FSDP, merged and pushed at the end
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer, TrainingArguments

tokenizer = AutoTokenizer.from_pretrained("mistralai/Mistral-7B-v0.3")
model = AutoModelForCausalLM.from_pretrained("mistralai/Mistral-7B-v0.3", dtype="bfloat16")
model = get_peft_model(model, LoraConfig(r=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"], task_type="CAUSAL_LM"))
data = load_dataset("json", data_files="train.jsonl", split="train")
trainer = Trainer(model=model, args=TrainingArguments(output_dir="out", bf16=True, save_strategy="no"),
                  train_dataset=data, data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))
trainer.train()
merged = model.merge_and_unload()  # expect: PFT820
merged.push_to_hub("me/mistral-lora-merged")
