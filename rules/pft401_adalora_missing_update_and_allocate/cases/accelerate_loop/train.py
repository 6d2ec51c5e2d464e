import torch
from accelerate import Accelerator
from peft import AdaLoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, get_linear_schedule_with_warmup


def main():
    accelerator = Accelerator(gradient_accumulation_steps=4)
    model = AutoModelForCausalLM.from_pretrained("bigscience/bloomz-560m")
    model = get_peft_model(model, AdaLoraConfig(init_r=12, target_r=4, total_step=900, tinit=100, tfinal=200))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    scheduler = get_linear_schedule_with_warmup(optimizer, 0, 900)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    global_step = 0
    for epoch in range(3):
        model.train()
        for batch in []:
            with accelerator.accumulate(model):
                outputs = model(**batch)
                accelerator.backward(outputs.loss)
                optimizer.step()
                scheduler.step()
                accelerator.unwrap_model(model).base_model.update_and_allocate(global_step)
                optimizer.zero_grad()
                global_step += 1


if __name__ == "__main__":
    main()
