# Accepted values, a value not known here, and values that come from elsewhere.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_dict({"output_dir": "out", "lr_scheduler_type": "cosine"})
schedule = compute_schedule()
more = TrainingArguments(output_dir="out", save_strategy="best", eval_strategy="epoch",
                         lr_scheduler_type=schedule, optim="paged_adamw_8bit", hub_strategy="end")
base = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
model = get_peft_model(base, LoraConfig(r=8, lora_dropout=0.0, bias="none", target_modules=["q_proj"]))
Trainer(model=model, args=args).train()
