from peft import PeftModel
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

base = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-1.5B")
model = PeftModel.from_pretrained(base, "runs/stage1/adapter")  # expect: PFT602
args = TrainingArguments(output_dir="runs/stage2", num_train_epochs=1)
Trainer(model=model, args=args).train()
