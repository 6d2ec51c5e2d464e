from peft import AdaLoraConfig

config = AdaLoraConfig(init_r=12, target_r=4, total_step=1000, use_dora=True)  # expect: PFT404
