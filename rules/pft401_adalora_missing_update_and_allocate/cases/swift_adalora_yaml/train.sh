NPROC_PER_NODE=4 swift sft sft.yaml
