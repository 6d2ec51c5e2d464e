"""AdaLoRA fine-tuning; every knob lives in settings.yaml."""
import yaml
import transformers as tfm
import peft as P


def load_settings(path="settings.yaml"):
    with open(path) as handle:
        return yaml.safe_load(handle)


cfg = load_settings()
model = tfm.AutoModelForCausalLM.from_pretrained(cfg["model"]["name"], torch_dtype="bfloat16")
adapter = P.AdaLoraConfig(**cfg["adalora"])  # expect: PFT101
model = P.get_peft_model(model, adapter)
args = tfm.TrainingArguments(**cfg["training"])


class RankBudget(tfm.TrainerCallback):
    def on_optimizer_step(self, args, state, control, **kwargs):
        kwargs["model"].base_model.update_and_allocate(state.global_step)


trainer = tfm.Trainer(model=model, args=args, train_dataset=None)
trainer.add_callback(RankBudget())
trainer.train()
