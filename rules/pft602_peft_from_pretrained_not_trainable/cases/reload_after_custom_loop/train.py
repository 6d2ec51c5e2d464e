# Trains a fresh adapter in a loop, saves it, then reloads it to evaluate: the reloaded
# model never reaches the loop.
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForSequenceClassification

base = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=2)
model = get_peft_model(base, LoraConfig(task_type="SEQ_CLS", target_modules=["query", "value"]))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for batch in []:
    model(**batch).loss.backward()
    optimizer.step()
    optimizer.zero_grad()
model.save_pretrained("adapter")

evaluation_base = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=2)
model = PeftModel.from_pretrained(evaluation_base, "adapter")
model.eval()
with torch.no_grad():
    predictions = [model(**batch).logits.argmax(-1) for batch in []]
