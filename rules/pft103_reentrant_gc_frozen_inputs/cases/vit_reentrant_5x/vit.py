from peft import LoraConfig, get_peft_model
from transformers import AutoModelForImageClassification, Trainer, TrainingArguments

model = AutoModelForImageClassification.from_pretrained("google/vit-base-patch16-224-in21k", num_labels=10)
lora = LoraConfig(r=16, lora_alpha=16, target_modules=["q_proj", "v_proj"], modules_to_save=["classifier"])
model = get_peft_model(model, lora)  # expect: PFT103
args = TrainingArguments(
    output_dir="vit-lora",
    gradient_checkpointing=True,
    gradient_checkpointing_kwargs={"use_reentrant": True},
    remove_unused_columns=False,
)
Trainer(model=model, args=args).train()
