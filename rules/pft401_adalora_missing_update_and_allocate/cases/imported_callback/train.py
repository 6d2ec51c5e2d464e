from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, EarlyStoppingCallback, Trainer, TrainingArguments

from training_utils.callbacks import AdaLoraScheduleCallback

model = AutoModelForCausalLM.from_pretrained("EleutherAI/pythia-410m")
model = get_peft_model(model, AdaLoraConfig(init_r=8, target_r=2, total_step=500))
trainer = Trainer(model=model, args=TrainingArguments(output_dir="pythia"),
                  callbacks=[EarlyStoppingCallback(3), AdaLoraScheduleCallback()])
trainer.train()
