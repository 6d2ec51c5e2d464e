#!/bin/bash
python grpo.py --config recipes/grpo.yaml
