#!/bin/bash
export NCCL_DEBUG=WARN
torchrun --nproc-per-node 8 train.py --epochs 3
