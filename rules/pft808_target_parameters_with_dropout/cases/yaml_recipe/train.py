import yaml
from peft import LoraConfig
from transformers import AutoModelForCausalLM, TrainingArguments
from trl import SFTConfig, SFTTrainer

with open("lora.yaml") as handle:
    lora = yaml.safe_load(handle)
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen3-30B-A3B")
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="out"), train_dataset=None,
                     peft_config=LoraConfig(**lora))
trainer.train()
