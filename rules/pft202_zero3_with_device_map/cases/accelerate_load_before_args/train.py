# The load comes before TrainingArguments: nothing has registered the ZeRO-3 config yet, so
# from_pretrained takes the device map (checked with accelerate 1.15 / transformers 5.24).
import os

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-70b-hf",
                                             device_map={"": int(os.environ["LOCAL_RANK"])})
model = get_peft_model(model, LoraConfig(r=8, target_modules="all-linear"))
Trainer(model=model, args=TrainingArguments(output_dir="o")).train()
