from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B")
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")
trainer_kwargs = {
    "model": model,
    "args": SFTConfig(output_dir="out"),
    "train_dataset": None,
    "processing_class": tokenizer,
    "max_seq_length": 2048,  # expect: PFT803
    "peft_config": LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"),
}
trainer = SFTTrainer(**trainer_kwargs)
trainer.train()
