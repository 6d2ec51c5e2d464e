# peft is installed from a git commit whose release is not known (Chinese-LLaMA-Alpaca pins
# 13e53fc, a 0.3.0 development commit without is_trainable): whether the loaded adapter is
# frozen depends on that commit, so the finding is withheld.
from peft import PeftModel
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

base = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b")
model = PeftModel.from_pretrained(base, "runs/stage1/adapter")
Trainer(model=model, args=TrainingArguments(output_dir="runs/stage2")).train()
