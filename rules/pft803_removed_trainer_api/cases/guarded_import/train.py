from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

try:  # TRL < 0.20
    from trl import DataCollatorForCompletionOnlyLM
except ImportError:
    DataCollatorForCompletionOnlyLM = None

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="out"), train_dataset=None,
                     peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
