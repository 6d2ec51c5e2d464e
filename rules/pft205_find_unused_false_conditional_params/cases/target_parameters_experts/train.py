# target_parameters on the experts' fused weights: an expert without tokens gets no gradient.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("mistralai/Mixtral-8x7B-v0.1")
config = LoraConfig(r=16, target_modules=[],  # expect: PFT205
                    target_parameters=["mlp.experts.gate_up_proj", "mlp.experts.down_proj"])
model = get_peft_model(model, config)
args = TrainingArguments(output_dir="out", ddp_find_unused_parameters=False,
                         gradient_checkpointing=True, gradient_checkpointing_kwargs={"use_reentrant": False})
Trainer(model=model, args=args).train()
