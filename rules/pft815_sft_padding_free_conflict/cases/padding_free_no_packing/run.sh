#!/bin/bash
accelerate launch --num_processes 8 sft.py --config configs/sft_lora.yaml
