from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments


class UpdateRanks(TrainerCallback):
    def on_step_end(self, args, state, control, model=None, **kwargs):
        model.base_model.update_and_allocate(state.global_step)  # expect: PFT402


model = AutoModelForCausalLM.from_pretrained("EleutherAI/pythia-410m")
model = get_peft_model(model, AdaLoraConfig(init_r=8, target_r=2, total_step=500))
Trainer(model=model, args=TrainingArguments(output_dir="o"), callbacks=[UpdateRanks()]).train()
