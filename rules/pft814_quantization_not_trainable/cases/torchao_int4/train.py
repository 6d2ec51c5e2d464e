# torchao: trainable only for 8-bit types, decided from the quant type at run time (not judged)
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, TorchAoConfig, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B",
                                             quantization_config=TorchAoConfig("int4_weight_only"))
model = get_peft_model(model, LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=None).train()
