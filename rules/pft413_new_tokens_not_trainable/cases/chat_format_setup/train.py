# setup_chat_format adds ChatML's <|im_start|>/<|im_end|> and resizes the embeddings; the LoRA
# adapter trains neither embeddings nor head, so the new rows stay random.
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer, setup_chat_format

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")
tokenizer = AutoTokenizer.from_pretrained("meta-llama/Llama-3.2-1B")
model, tokenizer = setup_chat_format(model, tokenizer)
peft_config = LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")  # expect: PFT413
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="out"), train_dataset=[],
                     processing_class=tokenizer, peft_config=peft_config)
trainer.train()
