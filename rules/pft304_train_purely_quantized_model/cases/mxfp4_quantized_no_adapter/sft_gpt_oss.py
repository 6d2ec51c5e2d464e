# The MXFP4 checkpoint loaded quantized, and no adapter (use_peft defaults to False): nothing
# of the quantized weights can be trained.
from datasets import load_dataset
from transformers import AutoModelForCausalLM, Mxfp4Config
from trl import ModelConfig, ScriptArguments, SFTConfig, SFTTrainer, TrlParser, get_peft_config


def main(script_args, training_args, model_args):
    quantization_config = Mxfp4Config()
    model_kwargs = dict(dtype=model_args.dtype, quantization_config=quantization_config)
    model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path, **model_kwargs)
    dataset = load_dataset(script_args.dataset_name)
    trainer = SFTTrainer(model=model, args=training_args, train_dataset=dataset["train"],  # expect: PFT304
                         peft_config=get_peft_config(model_args))
    trainer.train()


if __name__ == "__main__":
    parser = TrlParser((ScriptArguments, SFTConfig, ModelConfig))
    script_args, training_args, model_args, _ = parser.parse_args_and_config(return_remaining_strings=True)
    main(script_args, training_args, model_args)
