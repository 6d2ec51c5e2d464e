import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16)  # expect: PFT307
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf", quantization_config=quant)
model = get_peft_model(model, LoraConfig(r=64, lora_alpha=16, task_type="CAUSAL_LM"))
model = prepare_model_for_kbit_training(model)  # expect: PFT301
