#!/bin/bash
FORCE_TORCHRUN=1 NNODES=1 NPROC_PER_NODE=8 llamafactory-cli train mixtral_lora_sft.yaml
