# SFT with LoRA under ZeRO-3, then the merged model saved at the end of the same script
import torch
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

model_name = "meta-llama/Llama-3.1-8B-Instruct"
tokenizer = AutoTokenizer.from_pretrained(model_name)
model = AutoModelForCausalLM.from_pretrained(model_name, dtype=torch.bfloat16)
model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="llama-sft", bf16=True),
                     train_dataset=load_dataset("trl-lib/Capybara", split="train"), processing_class=tokenizer)
trainer.train()
trainer.save_model("llama-sft/adapter")

model = model.merge_and_unload()  # expect: PFT820
model.save_pretrained("llama-sft/merged")
tokenizer.save_pretrained("llama-sft/merged")
