import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

model = AutoModelForCausalLM.from_pretrained("EleutherAI/gpt-j-6b", dtype=torch.float16,
                                             quantization_config=BitsAndBytesConfig(load_in_8bit=True))
model = model.to("cuda")
