from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
splits = {"train": [], "test": []}
args = TrainingArguments(output_dir="out", eval_strategy="steps", eval_steps=100)
Trainer(model=model, args=args, train_dataset=splits["train"], eval_dataset=splits["test"]).train()
