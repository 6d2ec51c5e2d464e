import os

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

args = TrainingArguments(output_dir="o", per_device_train_batch_size=1)
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-70b-hf",
                                             device_map={"": int(os.environ["LOCAL_RANK"])})  # expect: PFT202
model = get_peft_model(model, LoraConfig(r=8, target_modules="all-linear"))
Trainer(model=model, args=args).train()
