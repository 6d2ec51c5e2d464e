# TR-DPO on a LoRA adapter, from TRL's DPO example with the sync options turned on
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2-0.5B-Instruct")
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2-0.5B-Instruct")
args = DPOConfig(output_dir="Qwen2-0.5B-TR-DPO", sync_ref_model=True,  # expect: PFT810
                 ref_model_mixup_alpha=0.6, ref_model_sync_steps=512)
trainer = DPOTrainer(model=model, args=args, processing_class=tokenizer,
                     train_dataset=load_dataset("trl-lib/ultrafeedback_binarized", split="train"),
                     peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
