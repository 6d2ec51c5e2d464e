import json

from peft import AdaLoraConfig

with open("adapter.json") as f:
    settings = json.load(f)
adapter = AdaLoraConfig(**settings)  # expect: PFT403
