from transformers import AutoModelForCausalLM, BitsAndBytesConfig

model = AutoModelForCausalLM.from_pretrained("EleutherAI/gpt-j-6b",
                                             quantization_config=BitsAndBytesConfig(load_in_8bit=True))
model = model.half()  # expect: PFT305
