from peft import AutoPeftModelForCausalLM
from transformers import AutoTokenizer

model = AutoPeftModelForCausalLM.from_pretrained("runs/stage1/adapter")
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-1.5B")
inputs = tokenizer("Hello", return_tensors="pt")
print(tokenizer.decode(model.generate(**inputs, max_new_tokens=20)[0]))
