"""Fine-tune a causal LM with AdaLoRA, configured by a YAML file and launched with torchrun."""

import sys
from dataclasses import dataclass, field

from datasets import load_dataset
from peft import AdaLoraConfig, get_peft_model
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    HfArgumentParser,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="meta-llama/Llama-3.2-1B")
    init_r: int = 12
    target_r: int = 4


class AdaLoraAllocation(TrainerCallback):
    """AdaLoRA reallocates rank once per optimizer step."""

    def on_optimizer_step(self, args, state, control, model=None, **kwargs):
        model.base_model.update_and_allocate(state.global_step)


def main():
    parser = HfArgumentParser((ModelArguments, TrainingArguments))
    model_args, training_args = parser.parse_yaml_file(sys.argv[1])

    tokenizer = AutoTokenizer.from_pretrained(model_args.model_name_or_path)
    tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
    model.enable_input_require_grads()

    peft_config = AdaLoraConfig(
        init_r=model_args.init_r,
        target_r=model_args.target_r,
        tinit=100,
        tfinal=300,
        total_step=1000,
        target_modules=["q_proj", "v_proj"],
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, peft_config)
    model.print_trainable_parameters()

    dataset = load_dataset("tatsu-lab/alpaca", split="train[:2%]")
    dataset = dataset.map(lambda row: tokenizer(row["text"], truncation=True, max_length=512),
                          remove_columns=dataset.column_names)

    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=dataset,
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        callbacks=[AdaLoraAllocation()],
    )
    trainer.train()
    model.save_pretrained(training_args.output_dir)


if __name__ == "__main__":
    main()
