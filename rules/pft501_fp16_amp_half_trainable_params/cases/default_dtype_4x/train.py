# transformers 4.x loads float32 when from_pretrained gets no dtype, whatever the checkpoint
# holds: the float16 checkpoint is upcast and fp16 AMP trains the float32 copies.
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("checkpoints/llama-sft-stage1")
peft_config = LoraConfig(
    task_type=TaskType.CAUSAL_LM,
    r=16,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
    modules_to_save=["embed_tokens"],
)
model = get_peft_model(model, peft_config)
args = TrainingArguments(output_dir="stage2", fp16=True, per_device_train_batch_size=4)
Trainer(model=model, args=args, train_dataset=None).train()
