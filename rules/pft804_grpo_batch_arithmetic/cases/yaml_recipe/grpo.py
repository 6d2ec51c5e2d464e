# open-r1's GRPO entry point, reduced: the config comes from --config recipes/*.yaml
from dataclasses import dataclass, field

from datasets import load_dataset
from trl import GRPOConfig, GRPOTrainer, ModelConfig, TrlParser, get_peft_config


@dataclass
class GRPOScriptArguments:
    dataset_name: str = field(default="open-r1/OpenR1-Math-220k")
    reward_funcs: list[str] = field(default_factory=lambda: ["accuracy", "format"])


def accuracy(completions, **kwargs):
    return [0.0 for _ in completions]


def main(script_args, training_args, model_args):
    dataset = load_dataset(script_args.dataset_name)
    trainer = GRPOTrainer(  # expect: PFT804
        model=model_args.model_name_or_path,
        reward_funcs=[accuracy],
        args=training_args,
        train_dataset=dataset["train"],
        peft_config=get_peft_config(model_args),
    )
    trainer.train()


if __name__ == "__main__":
    parser = TrlParser((GRPOScriptArguments, GRPOConfig, ModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()
    main(script_args, training_args, model_args)
