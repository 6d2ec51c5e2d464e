import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


class WeightedTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False):  # expect: PFT801
        outputs = model(**inputs)
        loss = outputs.loss * torch.tensor(2.0)
        return (loss, outputs) if return_outputs else loss


model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
trainer = WeightedTrainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=None)
trainer.train()
