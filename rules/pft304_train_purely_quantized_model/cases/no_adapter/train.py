from transformers import AutoModelForCausalLM, BitsAndBytesConfig, Trainer, TrainingArguments

bnb = BitsAndBytesConfig(load_in_8bit=True)
model = AutoModelForCausalLM.from_pretrained("facebook/opt-1.3b", quantization_config=bnb)
trainer = Trainer(model=model, args=TrainingArguments(output_dir="opt"))  # expect: PFT304
trainer.train()
