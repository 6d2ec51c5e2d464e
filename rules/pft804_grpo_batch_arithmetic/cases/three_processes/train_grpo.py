from datasets import load_dataset
from peft import LoraConfig
from trl import GRPOConfig, GRPOTrainer


def reward_len(completions, **kwargs):
    return [-abs(20 - len(completion)) for completion in completions]


dataset = load_dataset("trl-lib/tldr", split="train")
args = GRPOConfig(output_dir="Qwen2-0.5B-GRPO", per_device_train_batch_size=4, logging_steps=10)
trainer = GRPOTrainer(model="Qwen/Qwen2-0.5B-Instruct", reward_funcs=reward_len, args=args,  # expect: PFT804
                      train_dataset=dataset,
                      peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
