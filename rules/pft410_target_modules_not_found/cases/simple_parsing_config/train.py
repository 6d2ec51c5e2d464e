# simple_parsing: the dataclass's fields are the command line's flags; --lora_target reaches
# LoraConfig as one string, which PEFT matches as a regex against the whole module name.
from dataclasses import dataclass

from peft import LoraConfig, get_peft_model
from simple_parsing import ArgumentParser
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


@dataclass
class TrainConfig:
    model: str = "meta-llama/Llama-3.1-8B"
    lora_r: int = 8
    lora_target: str = "q_proj,v_proj"


parser = ArgumentParser()
parser.add_arguments(TrainConfig, dest="config")
args = parser.parse_args()
config: TrainConfig = args.config
model = AutoModelForCausalLM.from_pretrained(config.model)
model = get_peft_model(model, LoraConfig(r=config.lora_r, target_modules=config.lora_target,
                                         task_type="CAUSAL_LM"))
Trainer(model=model, args=TrainingArguments(output_dir="out")).train()
