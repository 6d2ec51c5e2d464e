from peft import AdaLoraConfig
from trl import SFTConfig, SFTTrainer

peft_config = AdaLoraConfig(init_r=12, target_r=4, total_step=1000, target_modules="all-linear")  # expect: PFT401
trainer = SFTTrainer(
    model="HuggingFaceTB/SmolLM2-360M",
    args=SFTConfig(output_dir="smol-adalora", max_steps=1000),
    train_dataset=None,
    peft_config=peft_config,
)
trainer.train()
