from transformers import TrainingArguments

args = TrainingArguments(
    output_dir="out",
    evaluation_strategy="steps",  # expect: PFT701
    eval_steps=100,
)
