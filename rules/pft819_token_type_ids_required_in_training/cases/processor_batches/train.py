# Gemma 3 4B on image-text pairs: the processor builds the batches (token_type_ids included)
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForImageTextToText, AutoProcessor
from trl import SFTConfig, SFTTrainer

model_id = "google/gemma-3-4b-it"
processor = AutoProcessor.from_pretrained(model_id)
model = AutoModelForImageTextToText.from_pretrained(model_id, dtype="bfloat16")
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="gemma3-vision", max_length=None),
                     train_dataset=load_dataset("HuggingFaceH4/llava-instruct-mix-vsft", split="train"),
                     processing_class=processor,
                     peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
