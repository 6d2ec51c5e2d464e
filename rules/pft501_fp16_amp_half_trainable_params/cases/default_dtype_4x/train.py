# transformers 4.x loads float32 when from_pretrained gets no dtype, whatever the checkpoint
# holds: this float16 checkpoint is upcast, and fp16 AMP trains float32 copies of lm_head.
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer


def main() -> None:
    base = AutoModelForCausalLM.from_pretrained("checkpoints/llama-sft-stage1", device_map=None)
    trainer = SFTTrainer(
        model=base,
        args=SFTConfig(output_dir="stage2", fp16=True, gradient_checkpointing=False),
        train_dataset=None,
        peft_config=LoraConfig(r=32, lora_alpha=64, target_modules="all-linear", modules_to_save=["lm_head"]),
    )
    trainer.train()


if __name__ == "__main__":
    main()
