# `peft-lint train.py --world-size 2`: no launcher in the files, so WORLD_SIZE is not known
# and neither is the device map: no finding.
import os

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

world_size = int(os.environ.get("WORLD_SIZE", 1))
ddp = world_size != 1
device_map = {"": int(os.environ.get("LOCAL_RANK") or 0)} if ddp else "auto"
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B", device_map=device_map)
model = get_peft_model(model, LoraConfig(r=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
Trainer(model=model, args=TrainingArguments(output_dir="out", ddp_find_unused_parameters=False)).train()
