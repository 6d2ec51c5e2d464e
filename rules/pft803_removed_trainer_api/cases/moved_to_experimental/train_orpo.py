from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import ORPOConfig, ORPOTrainer  # expect: PFT803

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
trainer = ORPOTrainer(model=model, args=ORPOConfig(output_dir="out"), train_dataset=None,
                      processing_class=tokenizer,
                      peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
