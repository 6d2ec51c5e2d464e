from dataclasses import dataclass, field

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments


@dataclass
class DataArguments:
    data_path: str = "data.json"


@dataclass
class ModelArguments(DataArguments):
    model_name_or_path: str = "facebook/opt-125m"
    lora_r: int = field(default=16, metadata={"aliases": ["--rank"]})


parser = HfArgumentParser((ModelArguments, TrainingArguments))
model_args, training_args = parser.parse_args_into_dataclasses()
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
model = get_peft_model(model, LoraConfig(r=model_args.lora_r, target_modules=["q_proj", "v_proj"],
                                         task_type="CAUSAL_LM"))
Trainer(model=model, args=training_args, eval_dataset=[]).train()
