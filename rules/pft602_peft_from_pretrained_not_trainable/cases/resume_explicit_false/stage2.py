import torch
from peft import AutoPeftModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoPeftModelForCausalLM.from_pretrained(  # expect: PFT602
    "runs/stage1/adapter",
    dtype=torch.bfloat16,
    is_trainable=False,  # copied from the evaluation script
)
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="runs/stage2"), train_dataset=None)
trainer.train()
