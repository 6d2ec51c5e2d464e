accelerate launch -m axolotl.cli.train qlora.yml
