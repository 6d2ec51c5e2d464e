# the plain Trainer computes the loss from the model's logits: the head's adapter trains
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj", "lm_head"], task_type="CAUSAL_LM"))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=load_dataset("imdb", split="train")).train()
