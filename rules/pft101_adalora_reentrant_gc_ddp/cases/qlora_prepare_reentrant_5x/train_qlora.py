import torch
from accelerate import PartialState
from peft import AdaLoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig, Trainer, TrainerCallback, TrainingArguments

bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                         bnb_4bit_compute_dtype=torch.bfloat16)
model = AutoModelForCausalLM.from_pretrained(
    "mistralai/Mistral-7B-v0.3",
    quantization_config=bnb,
    device_map={"": PartialState().process_index},
)
model = prepare_model_for_kbit_training(model)  # expect: PFT105
model = get_peft_model(model, AdaLoraConfig(init_r=8, target_r=2, total_step=500, tinit=50, tfinal=100))  # expect: PFT101


class Allocate(TrainerCallback):
    def on_optimizer_step(self, args, state, control, model=None, **kwargs):
        model.base_model.update_and_allocate(state.global_step)


args = TrainingArguments(output_dir="qlora-out", max_steps=500, per_device_train_batch_size=2)
Trainer(model=model, args=args, callbacks=[Allocate()]).train()
