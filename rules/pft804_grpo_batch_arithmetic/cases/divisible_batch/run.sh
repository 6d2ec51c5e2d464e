#!/bin/bash
# 2 processes x 4 per device = 8 completions: one group of the default 8
torchrun --nproc_per_node 2 train_grpo.py
