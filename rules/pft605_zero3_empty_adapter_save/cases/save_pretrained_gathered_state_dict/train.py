# LLaVA's shape: the adapter weights are gathered from the ZeRO-3 shards by the script itself
# and handed to save_pretrained(state_dict=...), so the file holds the full weights.
from deepspeed import zero
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments


def gathered_lora_weights(named_params):
    weights = {}
    for name, param in named_params:
        if "lora_" in name:
            with zero.GatheredParameters([param]):
                weights[name] = param.data.detach().cpu().clone()
    return weights


(args,) = HfArgumentParser(TrainingArguments).parse_yaml_file("config.yaml")
model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-13b-hf"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"]))
trainer = Trainer(model=model, args=args)
trainer.train()
state_dict = gathered_lora_weights(model.named_parameters())
model.save_pretrained("adapter", state_dict=state_dict)
