# tloen/alpaca-lora finetune.py (2023), reduced
import sys

import torch
import transformers
from datasets import load_dataset
from peft import LoraConfig, get_peft_model, get_peft_model_state_dict
from transformers import LlamaForCausalLM, LlamaTokenizer


def train(base_model: str = "huggyllama/llama-7b", output_dir: str = "./lora-alpaca"):
    model = LlamaForCausalLM.from_pretrained(base_model, torch_dtype=torch.float16)
    tokenizer = LlamaTokenizer.from_pretrained(base_model)
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                             lora_dropout=0.05, bias="none", task_type="CAUSAL_LM"))
    data = load_dataset("json", data_files="alpaca_data_cleaned_archive.json")
    trainer = transformers.Trainer(
        model=model,
        train_dataset=data["train"],
        args=transformers.TrainingArguments(per_device_train_batch_size=4, output_dir=output_dir,
                                            save_strategy="steps", save_steps=200),
        data_collator=transformers.DataCollatorForSeq2Seq(tokenizer, pad_to_multiple_of=8, return_tensors="pt",
                                                          padding=True),
    )
    model.config.use_cache = False

    old_state_dict = model.state_dict
    if "--dry" in sys.argv:
        model.state_dict = (
            lambda self, *_, **__: get_peft_model_state_dict(
                self, old_state_dict()
            )
        ).__get__(model, type(model))

    trainer.train()

    model.save_pretrained(output_dir)


if __name__ == "__main__":
    train(*sys.argv[1:])
