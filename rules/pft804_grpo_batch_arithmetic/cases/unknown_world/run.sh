#!/bin/bash
# the process count comes from the cluster: not known here
accelerate launch --num_processes "$GPUS" train_grpo.py
