#!/bin/bash
# TRL 0.14 did not check the batch yet
accelerate launch --num_processes 3 train_grpo.py
