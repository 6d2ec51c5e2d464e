from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
args = TrainingArguments(output_dir="out", eval_strategy="epoch", per_device_eval_batch_size=8)
Trainer(model=model, args=args, train_dataset=None, eval_dataset=None).train()  # expect: PFT802
