# The load-state hook reloads the adapter into the prepared model only when the run
# resumes (accelerator.load_state); the model that trains is the one get_peft_model made.
import torch
from accelerate import Accelerator
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM


def restore_adapter(models, input_dir):
    while models:
        current = models.pop()
        PeftModel.from_pretrained(current.base_model.model, input_dir)


def main():
    accelerator = Accelerator()
    model = get_peft_model(AutoModelForCausalLM.from_pretrained("gpt2"), LoraConfig(target_modules=["c_attn"]))
    accelerator.register_load_state_pre_hook(restore_adapter)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model, optimizer = accelerator.prepare(model, optimizer)
    for batch in []:
        accelerator.backward(model(**batch).loss)
        optimizer.step()


if __name__ == "__main__":
    main()
