from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", deepspeed="ds_zero3.json", gradient_checkpointing=True, bf16=True,
                         activation_checkpointing_kwargs={"use_reentrant": True})
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
model = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer = Trainer(model=model, args=args, train_dataset=load_dataset("imdb", split="train"))
trainer.train()
