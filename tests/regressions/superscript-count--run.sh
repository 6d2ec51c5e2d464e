FORCE_TORCHRUN=1 NPROC_PER_NODE=² llamafactory-cli train cfg.yaml
