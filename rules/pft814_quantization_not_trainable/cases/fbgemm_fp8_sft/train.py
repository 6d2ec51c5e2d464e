from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, FbgemmFp8Config, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B",
                                             quantization_config=FbgemmFp8Config())  # expect: PFT814
model = get_peft_model(model, LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=None).train()
