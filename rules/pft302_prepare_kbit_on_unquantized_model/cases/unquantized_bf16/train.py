import torch
from peft import AdaLoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("meta-llama/Meta-Llama-3-8B", torch_dtype=torch.bfloat16)
# "fixes" the gradient checkpointing crash (peft#1745)
model = prepare_model_for_kbit_training(model)  # expect: PFT302
model = get_peft_model(model, AdaLoraConfig(init_r=12, target_r=4, total_step=1000))
