from datasets import load_dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

dataset = load_dataset("trl-lib/Capybara", split="train")
sft_kwargs = dict(
    output_dir="Qwen2.5-0.5B-SFT",
    max_seq_length=2048,  # expect: PFT701
    packing=True,
)
training_args = SFTConfig(**sft_kwargs)
trainer = SFTTrainer(
    model="Qwen/Qwen2.5-0.5B",
    train_dataset=dataset,
    args=training_args,
    peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"),
)
trainer.train()
