from transformers import Trainer


class LoggingTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False):  # expect: PFT801
        outputs = model(**inputs)
        self.log({"batch_loss": outputs.loss.item()})
        return (outputs.loss, outputs) if return_outputs else outputs.loss


class ProjectTrainer(LoggingTrainer):
    pass
