# peft 0.2.0 has no is_trainable: LoraModel marks the loaded LoRA weights trainable, and the
# run continues training them.
from peft import PeftModel
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

base = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b")
model = PeftModel.from_pretrained(base, "runs/stage1/adapter")
Trainer(model=model, args=TrainingArguments(output_dir="runs/stage2")).train()
