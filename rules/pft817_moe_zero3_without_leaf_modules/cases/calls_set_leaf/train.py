# LoRA on Qwen3-30B-A3B with TRL under ZeRO-3, the block marked as a leaf (open-r1 PR #701)
from datasets import load_dataset
from deepspeed.utils import set_z3_leaf_modules
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeSparseMoeBlock
from trl import SFTConfig, SFTTrainer

model_id = "Qwen/Qwen3-30B-A3B"
tokenizer = AutoTokenizer.from_pretrained(model_id)
args = SFTConfig(output_dir="qwen3-moe-lora", deepspeed="ds_zero3.json", bf16=True)
model = AutoModelForCausalLM.from_pretrained(model_id, dtype="bfloat16")
if model.config.model_type == "qwen3_moe":
    set_z3_leaf_modules(model, [Qwen3MoeSparseMoeBlock])
trainer = SFTTrainer(model=model, args=args, train_dataset=load_dataset("trl-lib/Capybara", split="train"),
                     processing_class=tokenizer,
                     peft_config=LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
trainer.train()
