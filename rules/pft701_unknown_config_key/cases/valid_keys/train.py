from dataclasses import dataclass, field

from transformers import HfArgumentParser, TrainingArguments


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="gpt2")
    lora_r: int = 8


model_args, training_args = HfArgumentParser((ModelArguments, TrainingArguments)).parse_yaml_file("run.yaml")
