from datasets import load_dataset
from peft import EvaConfig, LoraConfig, get_peft_model, initialize_lora_eva_weights
from torch.utils.data import DataLoader
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
config = LoraConfig(r=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                    init_lora_weights="eva", eva_config=EvaConfig(rho=2.0), task_type="CAUSAL_LM")
model = get_peft_model(model, config)
initialize_lora_eva_weights(model, DataLoader(load_dataset("imdb", split="train[:200]"), batch_size=4))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=load_dataset("imdb", split="train")).train()
