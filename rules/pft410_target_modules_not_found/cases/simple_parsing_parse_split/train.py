# simple_parsing.parse(TrainConfig): the flag is split into a list of module names.
from dataclasses import dataclass

import simple_parsing
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


@dataclass
class TrainConfig:
    model: str = "meta-llama/Llama-3.1-8B"
    lora_target: str = "q_proj,v_proj"


config = simple_parsing.parse(TrainConfig)
model = AutoModelForCausalLM.from_pretrained(config.model)
model = get_peft_model(model, LoraConfig(target_modules=config.lora_target.split(","), task_type="CAUSAL_LM"))
Trainer(model=model, args=TrainingArguments(output_dir="out")).train()
