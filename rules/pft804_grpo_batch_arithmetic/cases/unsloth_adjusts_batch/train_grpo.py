# unsloth's GRPOConfig sets per_device_train_batch_size to num_generations (6) when 1 x 1 x 1
# cannot hold a group, and says so: the run trains
from unsloth import FastLanguageModel
from datasets import load_dataset
from trl import GRPOConfig, GRPOTrainer

model, tokenizer = FastLanguageModel.from_pretrained("unsloth/Qwen3-4B-Base", max_seq_length=2048,
                                                     load_in_4bit=False, fast_inference=True)
model = FastLanguageModel.get_peft_model(model, r=32, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])


def reward_len(completions, **kwargs):
    return [-abs(20 - len(completion)) for completion in completions]


training_args = GRPOConfig(learning_rate=5e-6, per_device_train_batch_size=1, gradient_accumulation_steps=1,
                           num_generations=6, max_steps=100, output_dir="outputs")
trainer = GRPOTrainer(model=model, processing_class=tokenizer, reward_funcs=[reward_len], args=training_args,
                      train_dataset=load_dataset("open-r1/DAPO-Math-17k-Processed", "en", split="train"))
trainer.train()
