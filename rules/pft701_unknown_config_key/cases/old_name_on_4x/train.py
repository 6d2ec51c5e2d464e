from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", activation_checkpointing=True)  # expect: PFT701
