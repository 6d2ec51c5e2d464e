import types

from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments


class AdaLoraZeroGradPatch(TrainerCallback):
    """Runs update_and_allocate right before each zero_grad, while the gradients still exist."""

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        original = model.zero_grad

        def zero_grad(self_, set_to_none=True):
            model.base_model.update_and_allocate(state.global_step)
            original(set_to_none)

        model.zero_grad = types.MethodType(zero_grad, model)


model = get_peft_model(AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B"),
                       AdaLoraConfig(init_r=8, target_r=4, total_step=500))
Trainer(model=model, args=TrainingArguments(output_dir="o"), callbacks=[AdaLoraZeroGradPatch()]).train()
