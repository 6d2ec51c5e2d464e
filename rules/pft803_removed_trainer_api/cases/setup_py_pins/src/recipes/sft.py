# trl 0.18.0 (setup.py) still exports both names; the finding would hold only on trl 0.26+ / 1.8+
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer, get_kbit_device_map, setup_chat_format

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B", device_map=get_kbit_device_map())
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B")
model, tokenizer = setup_chat_format(model, tokenizer)
trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="out"), train_dataset=None,
                     processing_class=tokenizer)
trainer.train()
