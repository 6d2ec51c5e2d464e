import math

from peft import AdaLoraConfig


def schedule(dataset_size, batch_size, epochs):
    return math.ceil(dataset_size / batch_size) * epochs


config = AdaLoraConfig(init_r=12, target_r=4, total_step=schedule(52000, 32, 3), tinit=200, tfinal=500)
