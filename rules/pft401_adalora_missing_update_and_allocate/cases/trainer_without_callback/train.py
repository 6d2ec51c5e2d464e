from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments

model = AutoModelForSeq2SeqLM.from_pretrained("google/flan-t5-large")
config = AdaLoraConfig(  # expect: PFT401
    init_r=12,
    target_r=8,
    beta1=0.85,
    beta2=0.85,
    tinit=200,
    tfinal=1000,
    deltaT=10,
    total_step=3000,
    target_modules=["q", "v"],
    task_type="SEQ_2_SEQ_LM",
)
model = get_peft_model(model, config)
args = Seq2SeqTrainingArguments(output_dir="t5-adalora", max_steps=3000, predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
trainer.train()
