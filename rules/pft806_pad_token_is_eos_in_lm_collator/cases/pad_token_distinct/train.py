# A chat fine-tune in the shape of the 2023 tutorials: EOS appended to each example, pad = EOS
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer,
                          TrainingArguments)

model_id = "meta-llama/Llama-3.1-8B"
tokenizer = AutoTokenizer.from_pretrained(model_id)
tokenizer.pad_token = "<|finetune_right_pad_id|>"
model = get_peft_model(AutoModelForCausalLM.from_pretrained(model_id),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
data = load_dataset("timdettmers/openassistant-guanaco", split="train")
data = data.map(lambda row: tokenizer(row["text"] + tokenizer.eos_token, truncation=True, max_length=512))
trainer = Trainer(
    model=model,
    train_dataset=data,
    args=TrainingArguments(output_dir="out", per_device_train_batch_size=4),
    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
)
trainer.train()
