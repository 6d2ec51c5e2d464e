from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

trainer = SFTTrainer(
    model="meta-llama/Llama-3.1-70B",
    args=SFTConfig(output_dir="out", gradient_checkpointing=False),
    train_dataset=None,
    peft_config=LoraConfig(r=16, target_modules="all-linear"),
)
trainer.train()
if trainer.is_fsdp_enabled:
    trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")
trainer.save_model()
