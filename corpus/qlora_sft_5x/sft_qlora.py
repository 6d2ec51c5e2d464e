import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

model_id = "meta-llama/Llama-3.1-8B-Instruct"
bnb_config = BitsAndBytesConfig(
    load_in_4bit=True,
    bnb_4bit_use_double_quant=True,
    bnb_4bit_quant_type="nf4",
    bnb_4bit_compute_dtype=torch.bfloat16,
)
model = AutoModelForCausalLM.from_pretrained(model_id, quantization_config=bnb_config, dtype=torch.bfloat16,
                                             attn_implementation="sdpa")
tokenizer = AutoTokenizer.from_pretrained(model_id)
peft_config = LoraConfig(lora_alpha=16, lora_dropout=0.05, r=16, bias="none", task_type="CAUSAL_LM",
                         target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
args = SFTConfig(
    output_dir="llama-3.1-8b-qlora",
    num_train_epochs=3,
    per_device_train_batch_size=2,
    gradient_accumulation_steps=4,
    optim="adamw_torch_fused",
    logging_steps=10,
    save_strategy="epoch",
    learning_rate=2e-4,
    bf16=True,
    max_grad_norm=0.3,
    warmup_ratio=0.03,  # expect: PFT701
    lr_scheduler_type="constant",
)
trainer = SFTTrainer(model=model, args=args, train_dataset=load_dataset("HuggingFaceH4/no_robots", split="train"),
                     peft_config=peft_config, processing_class=tokenizer)
trainer.train()
trainer.save_model()
