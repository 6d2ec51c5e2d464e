# TRL's SFTTrainer with its own collator masks padding by position: EOS stays in the loss
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoTokenizer
from trl import SFTConfig, SFTTrainer

tokenizer = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B")
tokenizer.pad_token = tokenizer.eos_token
trainer = SFTTrainer(model="meta-llama/Llama-3.1-8B", processing_class=tokenizer, args=SFTConfig(output_dir="out"),
                     train_dataset=load_dataset("trl-lib/Capybara", split="train"),
                     peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
