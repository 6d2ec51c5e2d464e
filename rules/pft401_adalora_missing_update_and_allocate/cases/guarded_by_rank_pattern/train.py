import torch
from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("EleutherAI/pythia-410m")
config = AdaLoraConfig(init_r=8, target_r=2, total_step=500)  # expect: PFT401
model = get_peft_model(model, config)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
for step, batch in enumerate([]):
    loss = model(**batch).loss
    loss.backward()
    optimizer.step()
    if model.peft_config["default"].rank_pattern is not None:
        model.base_model.update_and_allocate(step)
    optimizer.zero_grad()
