# Accepted values, a value not known here, and values that come from elsewhere.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, BitsAndBytesConfig, HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_dict({"output_dir": "out", "lr_scheduler_type": "cosine"})
schedule = compute_schedule()
more = TrainingArguments(output_dir="out", save_strategy="best", eval_strategy="epoch",
                         lr_scheduler_type=schedule, optim="paged_adamw_8bit", hub_strategy="end")
quantization = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                  bnb_4bit_compute_dtype="bfloat16")
# None is float32 (Alpaca-CoT's utils/tools.py writes it)
default_compute = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=None)
base = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
model = get_peft_model(base, LoraConfig(r=8, lora_dropout=0.0, bias="none", target_modules=["q_proj"]))
Trainer(model=model, args=args).train()
