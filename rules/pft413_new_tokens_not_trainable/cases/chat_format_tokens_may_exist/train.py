# setup_chat_format adds ChatML's <|im_start|>/<|im_end|>, but SmolLM2 (like Qwen) has them in
# its vocabulary already: no row is new, and which tokenizers lack them is not known statically.
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer, setup_chat_format

model = AutoModelForCausalLM.from_pretrained("HuggingFaceTB/SmolLM2-135M")
tokenizer = AutoTokenizer.from_pretrained("HuggingFaceTB/SmolLM2-135M")
model, tokenizer = setup_chat_format(model, tokenizer)
peft_config = LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="out"), train_dataset=[],
                     processing_class=tokenizer, peft_config=peft_config)
trainer.train()
