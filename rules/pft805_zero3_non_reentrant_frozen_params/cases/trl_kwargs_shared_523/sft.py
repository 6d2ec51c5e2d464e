# a kwargs dict given: TRL mutates the one the Trainer reads (the old name mirrors the new)
from datasets import load_dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

args = SFTConfig(output_dir="out", deepspeed="ds_zero3.json",
                 activation_checkpointing_kwargs={"use_reentrant": False})
trainer = SFTTrainer(model="Qwen/Qwen2.5-0.5B", args=args, train_dataset=load_dataset("trl-lib/Capybara", split="train"),
                     peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
