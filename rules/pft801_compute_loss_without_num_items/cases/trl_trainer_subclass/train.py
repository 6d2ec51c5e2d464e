from trl import SFTConfig, SFTTrainer


class MySFTTrainer(SFTTrainer):
    # TRL's own training_step decides how compute_loss is called, release by release: not judged
    def compute_loss(self, model, inputs, return_outputs=False):
        return super().compute_loss(model, inputs, return_outputs=return_outputs)


MySFTTrainer(model="Qwen/Qwen2.5-0.5B", args=SFTConfig(output_dir="out"), train_dataset=None).train()
