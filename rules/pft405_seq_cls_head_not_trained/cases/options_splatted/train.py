# The adapter options come from a dict built elsewhere: modules_to_save may be among them.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

from settings import adapter_options

model = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=3)
config = LoraConfig(task_type="FEATURE_EXTRACTION", target_modules=["query", "value"], **adapter_options)
model = get_peft_model(model, config)
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=[]).train()
