import argparse

from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments


class Alloc(TrainerCallback):
    def on_optimizer_step(self, args, state, control, model=None, **kwargs):
        model.base_model.update_and_allocate(state.global_step)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="meta-llama/Llama-2-7b-hf")
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--steps", type=int, default=1000)
    cli = parser.parse_args()
    model = AutoModelForCausalLM.from_pretrained(cli.model)
    if cli.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    model = get_peft_model(model, AdaLoraConfig(init_r=12, target_r=4, total_step=cli.steps))  # expect: PFT101 (the launcher passes --gradient-checkpointing: reentrant on 4.40, 4 processes)
    args = TrainingArguments(output_dir="out", max_steps=cli.steps)
    Trainer(model=model, args=args, callbacks=[Alloc()]).train()


main()
