from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_yaml_file("config.yaml")
model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-13b-hf"),
                       LoraConfig(r=16, target_modules=["q_proj", "v_proj"]))
trainer = Trainer(model=model, args=args)
trainer.train()
model.save_pretrained("adapter")  # expect: PFT605
