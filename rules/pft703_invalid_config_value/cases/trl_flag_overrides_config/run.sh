# the flag wins over the file's `eval_strategy: no` (argparse defaults), so the run is fine
accelerate launch train.py --config sft.yaml --eval_strategy steps
