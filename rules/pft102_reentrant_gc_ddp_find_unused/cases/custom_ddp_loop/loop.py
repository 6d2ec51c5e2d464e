import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM


def main():
    dist.init_process_group("nccl")
    rank = int(os.environ["LOCAL_RANK"])
    base = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-1.5B")
    base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    model = get_peft_model(base, LoraConfig(r=8, target_modules=["q_proj", "v_proj"]))  # expect: PFT102
    model = DDP(model.to(rank), device_ids=[rank], find_unused_parameters=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for batch in []:
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


if __name__ == "__main__":
    main()
