# LoRA on GLM-4.5-Air with the plain Trainer, launched with an accelerate ZeRO-3 config
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer,
                          TrainingArguments)

MODEL = "zai-org/GLM-4.5-Air"
tokenizer = AutoTokenizer.from_pretrained(MODEL)
model = AutoModelForCausalLM.from_pretrained(MODEL, torch_dtype="bfloat16")
model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                         task_type="CAUSAL_LM"))
dataset = load_dataset("json", data_files="train.jsonl", split="train")
args = TrainingArguments(output_dir="glm-lora", per_device_train_batch_size=1, bf16=True, deepspeed="ds_zero3.json")
trainer = Trainer(model=model, args=args, train_dataset=dataset,
                  data_collator=DataCollatorForSeq2Seq(tokenizer))
trainer.train()
