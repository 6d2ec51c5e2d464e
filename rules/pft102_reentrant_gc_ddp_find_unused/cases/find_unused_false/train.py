import argparse

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="meta-llama/Llama-3.2-3B")
    parser.add_argument("--epochs", type=int, default=1)
    return parser.parse_args()


def main():
    cli = parse_args()
    tokenizer = AutoTokenizer.from_pretrained(cli.model)
    model = AutoModelForCausalLM.from_pretrained(cli.model, dtype="bfloat16")
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05,
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj"], task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    training_args = TrainingArguments(
        output_dir="checkpoints",
        num_train_epochs=cli.epochs,
        per_device_train_batch_size=8,
        gradient_checkpointing=True,
        gradient_checkpointing_kwargs={"use_reentrant": True},
        bf16=True,
        ddp_find_unused_parameters=False,
    )
    trainer = Trainer(model=model, args=training_args, processing_class=tokenizer)
    trainer.train()


if __name__ == "__main__":
    main()
