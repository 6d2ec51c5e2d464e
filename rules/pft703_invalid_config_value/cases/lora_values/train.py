from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

base = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
config = LoraConfig(
    r=0,  # expect: PFT703
    lora_alpha=32,
    lora_dropout=1.5,  # expect: PFT703
    bias="lora",  # expect: PFT703
    target_modules=["q_proj", "v_proj"],
    task_type="CAUSAL_LM",
)
model = get_peft_model(base, config)
Trainer(model=model, args=TrainingArguments(output_dir="out")).train()
