from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

lora = LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM")
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")
SFTTrainer(model=model, args=SFTConfig(output_dir="sft"), train_dataset=None, peft_config=lora).train()
