from peft import LoraConfig
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("facebook/opt-1.3b",
                                             quantization_config=BitsAndBytesConfig(load_in_8bit=True))
SFTTrainer(model=model, args=SFTConfig(output_dir="opt"), peft_config=LoraConfig(r=8)).train()
