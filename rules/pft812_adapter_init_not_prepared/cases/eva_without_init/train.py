from datasets import load_dataset
from peft import EvaConfig, LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
config = LoraConfig(r=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                    init_lora_weights="eva", eva_config=EvaConfig(rho=2.0), task_type="CAUSAL_LM")  # expect: PFT812
model = get_peft_model(model, config)
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=load_dataset("imdb", split="train")).train()
