from dataclasses import dataclass, field

import transformers
from peft import LoraConfig, get_peft_model


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="facebook/opt-125m")


@dataclass
class LoraArguments:
    lora_r: int = 8
    lora_alpha: int = 16
    lora_target_modules: list[str] = field(default_factory=lambda: ["q_proj", "v_proj"])


def train():
    parser = transformers.HfArgumentParser(
        (ModelArguments, transformers.TrainingArguments, LoraArguments))
    model_args, training_args, lora_args = parser.parse_args_into_dataclasses()
    model = transformers.AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
    config = LoraConfig(r=lora_args.lora_r, lora_alpha=lora_args.lora_alpha,
                        target_modules=lora_args.lora_target_modules, task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    transformers.Trainer(model=model, args=training_args).train()


if __name__ == "__main__":
    train()
