#!/bin/bash
accelerate launch --num_processes 3 train_grpo.py
