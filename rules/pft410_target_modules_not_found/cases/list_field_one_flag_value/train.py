# `target_modules: List[str]`: HfArgumentParser reads `--target_modules q_proj` as ["q_proj"].
from dataclasses import dataclass, field
from typing import List, Optional

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments


@dataclass
class LoraArguments:
    target_modules: Optional[List[str]] = field(default=None)
    lora_r: int = 8


parser = HfArgumentParser((LoraArguments, TrainingArguments))
lora_args, training_args = parser.parse_args_into_dataclasses()
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
model = get_peft_model(model, LoraConfig(r=lora_args.lora_r, target_modules=lora_args.target_modules,
                                         task_type="CAUSAL_LM"))
Trainer(model=model, args=training_args).train()
