# alpaca-lora's finetune.py (2023), run on today's peft
import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_int8_training  # expect: PFT803
from transformers import LlamaForCausalLM, Trainer, TrainingArguments

model = LlamaForCausalLM.from_pretrained("huggyllama/llama-7b", torch_dtype=torch.float16,
                                         device_map="auto")
model = prepare_model_for_int8_training(model)
model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                         lora_dropout=0.05, bias="none", task_type="CAUSAL_LM"))
trainer = Trainer(model=model, train_dataset=None, args=TrainingArguments(output_dir="lora-alpaca"))
trainer.train()
