import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B", dtype=torch.bfloat16)
model = get_peft_model(model, LoraConfig(r=16, init_lora_weights="pissa", target_modules=["q_proj", "v_proj"],
                                         task_type="CAUSAL_LM"))
model.save_pretrained("pissa-init")
