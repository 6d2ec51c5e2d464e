from datasets import load_dataset
from peft import LoraConfig
from transformers import HfArgumentParser
from trl import SFTConfig, SFTTrainer

(config,) = HfArgumentParser(SFTConfig).parse_yaml_file("config.yaml")
dataset = load_dataset("trl-lib/Capybara", split="train")
trainer = SFTTrainer(  # expect: PFT802
    model="Qwen/Qwen2.5-0.5B",
    args=config,
    train_dataset=dataset,
    peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"),
)
trainer.train()
