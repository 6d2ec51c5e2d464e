from peft import AdaLoraConfig

STEPS = 1000
config = AdaLoraConfig(init_r=12, target_r=4, tinit=STEPS // 10, tfinal=STEPS // 2, total_step=STEPS)
