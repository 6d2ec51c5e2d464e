# transformers 4.36 is older than every module table: it is not judged by a newer release's names.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("tiiuae/falcon-7b")
model = get_peft_model(model, LoraConfig(target_modules=["q_proj", "v_proj"]))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=[]).train()
