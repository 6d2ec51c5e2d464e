# The gpt-oss LoRA recipe reaching the experts, with a dense model's dropout
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("openai/gpt-oss-20b", dtype=torch.bfloat16)
peft_config = LoraConfig(
    r=8,
    lora_alpha=16,
    lora_dropout=0.0,
    target_modules="all-linear",
    target_parameters=["7.mlp.experts.gate_up_proj", "7.mlp.experts.down_proj"],
)
model = get_peft_model(model, peft_config)
