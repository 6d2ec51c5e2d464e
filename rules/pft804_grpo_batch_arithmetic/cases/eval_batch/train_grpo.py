from datasets import load_dataset
from trl import GRPOConfig, GRPOTrainer


def reward_len(completions, **kwargs):
    return [-abs(20 - len(completion)) for completion in completions]


dataset = load_dataset("trl-lib/tldr")
args = GRPOConfig(output_dir="out", per_device_train_batch_size=4, num_generations=4,
                  eval_strategy="steps", eval_steps=50, per_device_eval_batch_size=2)
trainer = GRPOTrainer(model="Qwen/Qwen2-0.5B-Instruct", reward_funcs=reward_len, args=args,  # expect: PFT804
                      train_dataset=dataset["train"], eval_dataset=dataset["validation"])
trainer.train()
