from transformers import (Seq2SeqTrainer, Seq2SeqTrainingArguments, TrainerCallback, WhisperForConditionalGeneration,
                          WhisperProcessor)
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
import os

model_name_or_path = "openai/whisper-large-v2"
processor = WhisperProcessor.from_pretrained(model_name_or_path, language="Marathi", task="transcribe")
model = WhisperForConditionalGeneration.from_pretrained(model_name_or_path, load_in_8bit=True, device_map="auto")
model.config.forced_decoder_ids = None
model.config.suppress_tokens = []
model = prepare_model_for_kbit_training(model)


def make_inputs_require_grad(module, input, output):
    output.requires_grad_(True)


model.model.encoder.conv1.register_forward_hook(make_inputs_require_grad)
config = LoraConfig(r=32, lora_alpha=64, target_modules=["q_proj", "v_proj"], lora_dropout=0.05, bias="none")
model = get_peft_model(model, config)
model.print_trainable_parameters()


class SavePeftModelCallback(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        checkpoint_folder = os.path.join(args.output_dir, f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}")
        peft_model_path = os.path.join(checkpoint_folder, "adapter_model")
        kwargs["model"].save_pretrained(peft_model_path)
        return control


training_args = Seq2SeqTrainingArguments(
    output_dir="temp",
    per_device_train_batch_size=8,
    gradient_accumulation_steps=1,
    learning_rate=1e-3,
    warmup_steps=50,
    num_train_epochs=3,
    evaluation_strategy="epoch",
    fp16=True,
    per_device_eval_batch_size=8,
    generation_max_length=128,
    logging_steps=100,
    remove_unused_columns=False,
    label_names=["labels"],
)
trainer = Seq2SeqTrainer(
    args=training_args,
    model=model,
    callbacks=[SavePeftModelCallback],
)
model.config.use_cache = False
trainer.train()
