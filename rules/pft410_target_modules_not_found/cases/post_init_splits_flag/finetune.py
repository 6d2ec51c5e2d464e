from dataclasses import dataclass, field
from typing import Optional

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments


@dataclass
class ModelArguments:
    model_name_or_path: Optional[str] = field(default=None)
    lora_r: Optional[int] = field(default=16)
    target_modules: Optional[str] = field(default="q_proj,v_proj")

    def __post_init__(self):
        if type(self.target_modules) == str:
            self.target_modules = self.target_modules.split(",")


parser = HfArgumentParser((ModelArguments, TrainingArguments))
model_args, training_args = parser.parse_args_into_dataclasses()
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
config = LoraConfig(r=model_args.lora_r, target_modules=model_args.target_modules,
                    task_type="CAUSAL_LM")
model = get_peft_model(model, config)
Trainer(model=model, args=training_args).train()
