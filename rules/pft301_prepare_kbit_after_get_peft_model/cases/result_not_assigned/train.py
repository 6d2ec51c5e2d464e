from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("facebook/opt-6.7b", load_in_8bit=True, device_map="auto")  # expect: PFT303
get_peft_model(model, LoraConfig(r=16, target_modules=["q_proj", "v_proj"]))
prepare_model_for_kbit_training(model)  # expect: PFT301
