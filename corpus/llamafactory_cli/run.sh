#!/bin/bash
FORCE_TORCHRUN=1 NNODES=1 llamafactory-cli train examples/train_lora/llama3_lora_sft.yaml
