"""A class-based fine-tuning service, as many project codebases wrap the HF APIs."""
import logging

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer, TrainingArguments

logger = logging.getLogger(__name__)

LORA = LoraConfig(r=32, lora_alpha=32, target_modules=["q_proj", "k_proj", "v_proj", "dense"], bias="none",
                  lora_dropout=0.05, task_type="CAUSAL_LM")


class FineTuningService:
    def __init__(self, model_name: str, output_dir: str, lora_config: LoraConfig = LORA) -> None:
        self.output_dir = output_dir
        self.tokenizer = AutoTokenizer.from_pretrained(model_name)
        self.tokenizer.pad_token = self.tokenizer.eos_token
        base = AutoModelForCausalLM.from_pretrained(model_name)
        self.model = self._prepare(base, lora_config)

    def _prepare(self, model, lora_config):
        peft_model = get_peft_model(model, lora_config)  # expect: PFT103
        peft_model.print_trainable_parameters()
        return peft_model

    def arguments(self) -> TrainingArguments:
        return TrainingArguments(
            output_dir=self.output_dir,
            per_device_train_batch_size=2,
            gradient_accumulation_steps=4,
            gradient_checkpointing=True,
            max_steps=500,
            learning_rate=2e-4,
            logging_steps=25,
        )

    def train(self, dataset) -> None:
        trainer = Trainer(
            model=self.model,
            args=self.arguments(),
            train_dataset=dataset,
            data_collator=DataCollatorForLanguageModeling(self.tokenizer, mlm=False),
        )
        self.model.config.use_cache = False
        trainer.train()
        logger.info("saving to %s", self.output_dir)
        trainer.save_model(self.output_dir)


if __name__ == "__main__":
    service = FineTuningService("microsoft/phi-2", "phi2-lora")
    service.train(dataset=None)
