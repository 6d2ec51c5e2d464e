# a 2024 recipe: packing kept, the Seq2Seq collator kept, on TRL 1.x where packing means BFD
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoTokenizer, DataCollatorForSeq2Seq
from trl import SFTConfig, SFTTrainer

tokenizer = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B")
trainer = SFTTrainer(
    model="meta-llama/Llama-3.1-8B",
    args=SFTConfig(output_dir="out", packing=True, max_length=2048),
    train_dataset=load_dataset("trl-lib/Capybara", split="train"),
    processing_class=tokenizer,
    data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True),  # expect: PFT815
    peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"),
)
trainer.train()
