from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

tokenizer = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B")
model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=None,
                  tokenizer=tokenizer)  # 4.44 takes it
trainer.train()
