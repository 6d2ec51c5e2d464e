from peft import PeftModel
from transformers import AutoModelForCausalLM

model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained("gpt2"), "adapter")
model.merge_and_unload()
merged = model.get_base_model()
merged.save_pretrained("merged")
