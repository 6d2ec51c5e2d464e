# A tied-embeddings model with lm_head in target_modules under a TRL trainer that refuses the
# head adapter: the trainer stops first (PFT811), so the tying warning would be a second finding
# for one root cause
from datasets import load_dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

peft_config = LoraConfig(r=16, target_modules=["q_proj", "v_proj", "lm_head"],  # expect: PFT811
                         task_type="CAUSAL_LM")
trainer = SFTTrainer(model="Qwen/Qwen2.5-0.5B", args=SFTConfig(output_dir="out"),
                     train_dataset=load_dataset("trl-lib/Capybara", split="train"), peft_config=peft_config)
trainer.train()
