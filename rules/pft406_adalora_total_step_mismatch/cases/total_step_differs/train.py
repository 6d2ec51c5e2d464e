from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments


class Allocate(TrainerCallback):
    def on_optimizer_step(self, args, state, control, model=None, **kwargs):
        model.base_model.update_and_allocate(state.global_step)


model = AutoModelForCausalLM.from_pretrained("gpt2")
model = get_peft_model(model, AdaLoraConfig(init_r=12, target_r=4, total_step=1000, target_modules=["c_attn"]))  # expect: PFT406
args = TrainingArguments(output_dir="out", max_steps=3000)
Trainer(model=model, args=args, callbacks=[Allocate()]).train()
