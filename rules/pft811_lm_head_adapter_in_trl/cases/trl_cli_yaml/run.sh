#!/bin/bash
python grpo.py --config recipes/grpo_lora.yaml
