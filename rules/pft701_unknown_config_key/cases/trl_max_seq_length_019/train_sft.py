# trl 0.19 still has SFTConfig.max_seq_length (renamed max_length in later releases).
import sys

from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

config = dict(output_dir=sys.argv[1], max_seq_length=1024, per_device_train_batch_size=8)
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")
SFTTrainer(model, args=SFTConfig(**config), train_dataset=None,
           peft_config=LoraConfig(r=8, target_modules=["q_proj", "v_proj"])).train()
