from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

trainer = SFTTrainer(
    model="meta-llama/Llama-3.1-8B",
    args=SFTConfig(output_dir="sft", bf16=True),
    train_dataset=None,
    peft_config=LoraConfig(r=16, target_modules="all-linear"),
)
trainer.train()
