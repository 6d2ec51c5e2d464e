# zero_grad runs only on logging steps, in a branch of its own: whether the gradients are
# still there when update_and_allocate runs depends on the step, which is not known here.
import torch
from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = get_peft_model(AutoModelForCausalLM.from_pretrained("gpt2"),
                       AdaLoraConfig(init_r=8, target_r=2, total_step=100, target_modules=["c_attn"]))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
for step, batch in enumerate([]):
    model(**batch).loss.backward()
    optimizer.step()
    if step % 100 == 0:
        optimizer.zero_grad(set_to_none=True)
    model.base_model.update_and_allocate(step)
    optimizer.zero_grad(set_to_none=False)
