# target_parameters on a dense model's weights: every one is used in every step.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")
config = LoraConfig(r=16, target_modules=[], target_parameters=["self_attn.q_proj.weight"])
model = get_peft_model(model, config)
args = TrainingArguments(output_dir="out", ddp_find_unused_parameters=False,
                         gradient_checkpointing=True, gradient_checkpointing_kwargs={"use_reentrant": False})
Trainer(model=model, args=args).train()
