from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("mistralai/Mixtral-8x7B-v0.1")
model = get_peft_model(model, LoraConfig(r=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
args = TrainingArguments(output_dir="mixtral-lora", ddp_find_unused_parameters=False,
                         gradient_checkpointing=True, gradient_checkpointing_kwargs={"use_reentrant": False})
Trainer(model=model, args=args).train()
