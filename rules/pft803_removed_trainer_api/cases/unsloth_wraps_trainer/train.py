# unsloth wraps TRL's trainers: `tokenizer=` becomes processing_class and the dataset options
# go to the config, so this old notebook shape still runs
from unsloth import FastLanguageModel
from datasets import load_dataset
from transformers import TrainingArguments
from trl import SFTTrainer

model, tokenizer = FastLanguageModel.from_pretrained("unsloth/llama-3-8b-bnb-4bit", max_seq_length=2048,
                                                     load_in_4bit=True)
model = FastLanguageModel.get_peft_model(model, r=16, target_modules=["q_proj", "v_proj"])
dataset = load_dataset("yahma/alpaca-cleaned", split="train")
trainer = SFTTrainer(model=model, tokenizer=tokenizer, train_dataset=dataset, dataset_text_field="text",
                     max_seq_length=2048, packing=False,
                     args=TrainingArguments(output_dir="outputs", per_device_train_batch_size=2))
trainer.train()
