# peft's old prepare_model_for_int8_training made the inputs require grad (peft 0.3-0.9); it
# is not modelled, so whether inputs require grad is not known, and nothing is reported.
from peft import LoraConfig, get_peft_model, prepare_model_for_int8_training
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


def create_peft_model(model):
    model = prepare_model_for_int8_training(model)
    return get_peft_model(model, LoraConfig(r=8, target_modules=["query_key_value"]))


model = AutoModelForCausalLM.from_pretrained("bigscience/bloom-7b1", load_in_8bit=True, device_map="auto")
model = create_peft_model(model)
arguments = TrainingArguments(output_dir="/tmp", gradient_checkpointing=True, bf16=True)
Trainer(model=model, args=arguments, train_dataset=[]).train()
