from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM


def make_model(name: str):
    model = AutoModelForCausalLM.from_pretrained(name)
    return get_peft_model(model, AdaLoraConfig(init_r=8, target_r=2, total_step=500))
