from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("bigcode/starcoderbase-1b")
model = get_peft_model(model, LoraConfig(r=8, target_modules=["c_attn"], task_type="CAUSAL_LM"))  # expect: PFT103
args = TrainingArguments(
    output_dir="starcoder-lora",
    gradient_checkpointing=True,
    ddp_find_unused_parameters=False,
    max_steps=1000,
)
Trainer(model=model, args=args).train()
