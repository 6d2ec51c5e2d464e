# TRL 1.0 renamed the packing strategy bfd-requeue (0.29) to bfd_split
accelerate launch --num_processes 2 train.py --config sft.yaml --packing true --packing_strategy bfd-requeue
