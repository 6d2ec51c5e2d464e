from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

quantization = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype="bfloat16")
model = AutoModelForCausalLM.from_pretrained("facebook/opt-125m", quantization_config=quantization)
config = LoraConfig(r=16, use_dora=True, target_modules=["q_proj", "v_proj"])
model = get_peft_model(model, config)
