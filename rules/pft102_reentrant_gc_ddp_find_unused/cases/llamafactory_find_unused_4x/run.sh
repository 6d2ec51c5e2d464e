#!/bin/bash
FORCE_TORCHRUN=1 NNODES=1 NPROC_PER_NODE=4 llamafactory-cli train qwen_lora_sft.yaml
