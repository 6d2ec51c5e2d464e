from peft import PeftModel
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

base = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b",
                                            quantization_config=BitsAndBytesConfig(load_in_8bit=True))
merged = PeftModel.from_pretrained(base, "guanaco-7b").merge_and_unload()  # expect: PFT306
merged.save_pretrained("guanaco-merged")
