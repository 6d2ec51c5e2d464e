# Either resumes a saved adapter or makes a new one; the prepare call is on the new-adapter
# side, before get_peft_model, so the two never meet in one run.
import os

from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig, Trainer, TrainingArguments

resume_from = os.environ.get("RESUME_ADAPTER")  # set by the job scheduler on a restart
quantization = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                  bnb_4bit_compute_dtype="bfloat16")
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-1.5B", quantization_config=quantization)
if resume_from:
    model = PeftModel.from_pretrained(model, resume_from, is_trainable=True)
else:
    model = prepare_model_for_kbit_training(
        model, gradient_checkpointing_kwargs={"use_reentrant": False})
    model = get_peft_model(model, LoraConfig(target_modules=["q_proj", "v_proj"]))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=[]).train()
