# A string target is a regex fullmatched against whole module names; "lm_head" is the whole
# name of the model's own head, so it matches.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")
model = get_peft_model(model, LoraConfig(target_modules="lm_head"))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=[]).train()
