from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments, TrainerCallback


class AdaLoraCallback(TrainerCallback):
    def on_optimizer_step(self, args, state, control, **kwargs):
        kwargs["model"].base_model.update_and_allocate(state.global_step)


model = AutoModelForSeq2SeqLM.from_pretrained("google/flan-t5-large")
config = AdaLoraConfig(init_r=12, target_r=8, tinit=200, tfinal=1000, total_step=3000)
model = get_peft_model(model, config)
args = Seq2SeqTrainingArguments(output_dir="t5-adalora", max_steps=3000)
Seq2SeqTrainer(model=model, args=args, callbacks=[AdaLoraCallback]).train()
