# GRPO arrived in TRL 0.14; the pinned 0.12 has no such trainer
from datasets import load_dataset
from trl import GRPOConfig, GRPOTrainer  # expect: PFT803


def reward_len(completions, **kwargs):
    return [-abs(20 - len(completion)) for completion in completions]


dataset = load_dataset("trl-lib/tldr", split="train")
trainer = GRPOTrainer(model="Qwen/Qwen2-0.5B-Instruct", reward_funcs=reward_len,
                      args=GRPOConfig(output_dir="out"), train_dataset=dataset)
trainer.train()
