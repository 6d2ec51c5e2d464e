import sys

from peft import prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

use_4bit = "--4bit" in sys.argv
quant = BitsAndBytesConfig(load_in_4bit=True) if use_4bit else None  # expect: PFT307
model = AutoModelForCausalLM.from_pretrained("google/gemma-2-9b", quantization_config=quant)
model = prepare_model_for_kbit_training(model)
