from datasets import load_dataset
from trl import GRPOConfig, GRPOTrainer, ModelConfig, ScriptArguments, TrlParser, get_peft_config


def reward_len(completions, **kwargs):
    return [-abs(20 - len(completion)) for completion in completions]


if __name__ == "__main__":
    parser = TrlParser((ScriptArguments, GRPOConfig, ModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()
    trainer = GRPOTrainer(model=model_args.model_name_or_path, reward_funcs=reward_len, args=training_args,
                          train_dataset=load_dataset("trl-lib/tldr", split="train"),
                          peft_config=get_peft_config(model_args))
    trainer.train()
