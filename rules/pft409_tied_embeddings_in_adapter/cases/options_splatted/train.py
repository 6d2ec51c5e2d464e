# The rest of the adapter options come from a shared dict, which may set ensure_weight_tying.
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

from settings import extra_adapter_options

model = AutoModelForCausalLM.from_pretrained("google/gemma-2-2b")
config = LoraConfig(r=16, target_modules="all-linear", modules_to_save=["lm_head", "embed_tokens"],
                    **extra_adapter_options)
model = get_peft_model(model, config)
