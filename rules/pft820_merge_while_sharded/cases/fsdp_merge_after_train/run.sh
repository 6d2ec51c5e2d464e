#!/bin/bash
accelerate launch --config_file configs/fsdp.yaml finetune.py
