from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


class DistillTrainer(Trainer):
    def __init__(self, *args, teacher=None, tokenizer=None, **kwargs):
        super().__init__(*args, processing_class=tokenizer, **kwargs)
        self.teacher = teacher


model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
trainer = DistillTrainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=None,
                         teacher=None, tokenizer=None)
trainer.train()
