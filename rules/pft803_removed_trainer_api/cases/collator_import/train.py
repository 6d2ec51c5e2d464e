# A TRL 0.x SFT script that masks the prompt with the old collator
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DataCollatorForCompletionOnlyLM, SFTConfig, SFTTrainer  # expect: PFT803

model_id = "Qwen/Qwen2.5-0.5B"
tokenizer = AutoTokenizer.from_pretrained(model_id)
model = AutoModelForCausalLM.from_pretrained(model_id)
dataset = load_dataset("timdettmers/openassistant-guanaco", split="train")
collator = DataCollatorForCompletionOnlyLM("### Assistant:", tokenizer=tokenizer)
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="out"), train_dataset=dataset,
                     processing_class=tokenizer, data_collator=collator,
                     peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
