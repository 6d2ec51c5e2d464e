import os
import sys
from dataclasses import dataclass, field

from peft import AdaLoraConfig, TaskType, get_peft_model
from transformers import (
    AutoModelForCausalLM,
    HfArgumentParser,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)


@dataclass
class ScriptArguments:
    model_name_or_path: str = field(default="Qwen/Qwen2.5-0.5B")
    lora_r: int = 12


class Allocate(TrainerCallback):
    def on_optimizer_step(self, args, state, control, model=None, **kwargs):
        model.base_model.update_and_allocate(state.global_step)


def build_model(script_args):
    model = AutoModelForCausalLM.from_pretrained(script_args.model_name_or_path)
    model.enable_input_require_grads()
    config = AdaLoraConfig(
        init_r=script_args.lora_r, target_r=4, tinit=50, tfinal=200, total_step=1000,
        task_type=TaskType.CAUSAL_LM, target_modules=["q_proj", "v_proj"],
    )
    return get_peft_model(model, config)


if __name__ == "__main__":
    parser = HfArgumentParser((ScriptArguments, TrainingArguments))
    if len(sys.argv) == 2 and sys.argv[1].endswith(".yaml"):
        script_args, training_args = parser.parse_yaml_file(os.path.abspath(sys.argv[1]))
    else:
        script_args, training_args = parser.parse_args_into_dataclasses()
    model = build_model(script_args)
    trainer = Trainer(model=model, args=training_args, callbacks=[Allocate()])
    trainer.train()
