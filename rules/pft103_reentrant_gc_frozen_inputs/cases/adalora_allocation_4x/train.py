from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments


class RankAllocation(TrainerCallback):
    def on_optimizer_step(self, args, state, control, model=None, **kwargs):
        model.base_model.update_and_allocate(state.global_step)


model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")
model = get_peft_model(model, AdaLoraConfig(init_r=12, target_r=4, total_step=800, tinit=80, tfinal=200))  # expect: PFT103
args = TrainingArguments(output_dir="adalora", max_steps=800, gradient_checkpointing=True)
Trainer(model=model, args=args, callbacks=[RankAllocation()]).train()
