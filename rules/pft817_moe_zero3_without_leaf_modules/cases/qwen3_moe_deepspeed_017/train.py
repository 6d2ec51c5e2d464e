# LoRA on Qwen3-30B-A3B with TRL under ZeRO-3 (the open-r1 SFT recipe's shape)
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

model_id = "Qwen/Qwen3-30B-A3B"
tokenizer = AutoTokenizer.from_pretrained(model_id)
args = SFTConfig(output_dir="qwen3-moe-lora", deepspeed="ds_zero3.json", bf16=True,
                 per_device_train_batch_size=2, gradient_accumulation_steps=8)
model = AutoModelForCausalLM.from_pretrained(model_id, dtype="bfloat16")
trainer = SFTTrainer(model=model, args=args, train_dataset=load_dataset("trl-lib/Capybara", split="train"),  # expect: PFT817
                     processing_class=tokenizer,
                     peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
