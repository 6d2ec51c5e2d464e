from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

trainer = SFTTrainer(
    model="meta-llama/Llama-3.1-70B",
    args=SFTConfig(output_dir="out", gradient_checkpointing=False),
    train_dataset=None,
    peft_config=LoraConfig(r=16, target_modules="all-linear"),
)
trainer.train()
trainer.save_model()  # expect: PFT606
