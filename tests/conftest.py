from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The CLI runs of the suite leave no .peft_lint_cache/ in the checkout; tests/test_cache.py
# turns the cache back on where it tests it.
os.environ["PEFT_LINT_NO_CACHE"] = "1"
RULES = ROOT / "rules"


def all_cases() -> list[Path]:
    return sorted(path for path in RULES.glob("pft*/cases/*") if path.is_dir())


# A run with one error on transformers 5 (PFT303: `load_in_8bit` reaches the model constructor),
# for the tests that drive the CLI, pre-commit and the action end to end.
HAZARD_SCRIPT = '''from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2", load_in_8bit=True)
model = get_peft_model(model, LoraConfig(target_modules=["c_attn"]))
Trainer(model=model, args=TrainingArguments(output_dir="o")).train()
'''
