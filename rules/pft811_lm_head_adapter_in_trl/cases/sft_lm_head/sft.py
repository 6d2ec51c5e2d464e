from datasets import load_dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

peft_config = LoraConfig(
    r=16,
    lora_alpha=32,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "lm_head"],  # expect: PFT811
    task_type="CAUSAL_LM",
)
trainer = SFTTrainer(model="meta-llama/Llama-3.1-8B", args=SFTConfig(output_dir="out"),
                     train_dataset=load_dataset("trl-lib/Capybara", split="train"), peft_config=peft_config)
trainer.train()
