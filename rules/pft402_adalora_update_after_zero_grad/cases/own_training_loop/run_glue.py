from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForSequenceClassification, Trainer, TrainerCallback, TrainingArguments


class AdaLoraTrainer(Trainer):
    def _inner_training_loop(self, batch_size=None, args=None, resume_from_checkpoint=None, trial=None,
                             ignore_keys_for_eval=None):
        model = self._wrap_model(self.model_wrapped)
        for step, inputs in enumerate(self.get_train_dataloader()):
            self.training_step(model, inputs)
            self.optimizer.step()
            self.lr_scheduler.step()
            # moved before zero_grad so that update_and_allocate still sees the gradients
            self.control = self.callback_handler.on_step_end(args, self.state, self.control)
            model.zero_grad()
            self.state.global_step += 1


class RankCallback(TrainerCallback):
    def on_step_end(self, args, state, control, model=None, **kwargs):
        model.base_model.update_and_allocate(state.global_step)


model = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=2)
model = get_peft_model(model, AdaLoraConfig(init_r=12, target_r=8, total_step=3000, task_type="SEQ_CLS"))
AdaLoraTrainer(model=model, args=TrainingArguments(output_dir="glue"), callbacks=[RankCallback()]).train()
