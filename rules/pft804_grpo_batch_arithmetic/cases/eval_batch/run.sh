#!/bin/bash
python train_grpo.py
