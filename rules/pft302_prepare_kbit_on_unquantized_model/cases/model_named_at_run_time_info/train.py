# The model id comes from the command line: it may name a checkpoint saved quantized (GPTQ,
# AWQ), so the call may do its job; an info, not a warning.
import sys

from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained(sys.argv[1])
model = prepare_model_for_kbit_training(model)  # expect: PFT302
model = get_peft_model(model, LoraConfig(target_modules="all-linear"))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=[]).train()
