# transformers 5 loads the checkpoint's own dtype when from_pretrained gets none: this local
# checkpoint was saved in float16, so the embedding copy in modules_to_save trains in float16.
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("checkpoints/llama-sft-stage1")
peft_config = LoraConfig(  # expect: PFT501
    task_type=TaskType.CAUSAL_LM,
    r=16,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
    modules_to_save=["embed_tokens"],
)
model = get_peft_model(model, peft_config)
args = TrainingArguments(output_dir="stage2", fp16=True, per_device_train_batch_size=4)
Trainer(model=model, args=args, train_dataset=None).train()
