accelerate launch -m axolotl.cli.train lora.yml
