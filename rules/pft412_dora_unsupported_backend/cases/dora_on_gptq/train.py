from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, GPTQConfig

quantization = GPTQConfig(bits=4, dataset="c4")
model = AutoModelForCausalLM.from_pretrained("facebook/opt-125m", quantization_config=quantization)
config = LoraConfig(r=16, use_dora=True, target_modules=["q_proj", "v_proj"])  # expect: PFT412
model = get_peft_model(model, config)
