import torch
from accelerate import PartialState
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

training_args = SFTConfig(output_dir="out", bf16=True, per_device_train_batch_size=2)
model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2.5-7B-Instruct",
    dtype=torch.bfloat16,
    device_map={"": PartialState().process_index},  # expect: PFT202
)
trainer = SFTTrainer(model=model, args=training_args, train_dataset=None,
                     peft_config=LoraConfig(r=16, target_modules="all-linear"))
trainer.train()
