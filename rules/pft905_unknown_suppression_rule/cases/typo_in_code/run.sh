python train.py config.yaml
