# Gradient accumulation: the whole update sits in one `if`; inside it, zero_grad comes first.
import torch
from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

accumulation = 4
model = get_peft_model(AutoModelForCausalLM.from_pretrained("gpt2"),
                       AdaLoraConfig(init_r=8, target_r=2, total_step=100, target_modules=["c_attn"]))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
for step, batch in enumerate([]):
    (model(**batch).loss / accumulation).backward()
    if (step + 1) % accumulation == 0:
        optimizer.step()
        optimizer.zero_grad()
        model.base_model.update_and_allocate(step)  # expect: PFT402
