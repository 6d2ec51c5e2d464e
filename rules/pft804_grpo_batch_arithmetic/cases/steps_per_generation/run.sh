#!/bin/bash
# 3 x 4 x 2 steps per generation = 24 completions: three groups of 8
accelerate launch --num_processes 3 train_grpo.py
