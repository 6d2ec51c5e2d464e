from datasets import load_dataset
from trl import GRPOConfig, GRPOTrainer, ModelConfig, ScriptArguments, TrlParser, get_peft_config


def reward_len(completions, **kwargs):
    return [-abs(20 - len(completion)) for completion in completions]


def main(model_args, script_args, training_args):
    dataset = load_dataset(script_args.dataset_name, split="train")
    trainer = GRPOTrainer(model=model_args.model_name_or_path, reward_funcs=reward_len, args=training_args,
                          train_dataset=dataset, peft_config=get_peft_config(model_args))
    trainer.train()


if __name__ == "__main__":
    parser = TrlParser((ModelConfig, ScriptArguments, GRPOConfig))
    model_args, script_args, training_args = parser.parse_args_and_config()
    main(model_args, script_args, training_args)
