# the gpt-oss recipe: dequantized to bf16 for training
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, Mxfp4Config
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("openai/gpt-oss-20b", quantization_config=Mxfp4Config(dequantize=True))
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="gpt-oss-20b-multilingual-reasoner"),
                     train_dataset=load_dataset("HuggingFaceH4/Multilingual-Thinking", split="train"),
                     peft_config=LoraConfig(r=8, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
