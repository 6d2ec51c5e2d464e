# LLaVA's shape: the base model is one of two loads, chosen at run time, and input gradients
# are enabled on whichever it is before get_peft_model: they are not known to be off.
import sys
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, LlamaForCausalLM, Trainer, TrainingArguments

if len(sys.argv) > 2:
    model = LlamaForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
else:
    model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
model.enable_input_require_grads()
model = get_peft_model(model, LoraConfig(r=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
Trainer(model=model, args=TrainingArguments(output_dir="o", gradient_checkpointing=True)).train()
