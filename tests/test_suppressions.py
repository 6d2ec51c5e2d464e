"""`# peft-lint: ignore[...]` comments, through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = '''from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

NOTE = "# peft-lint: ignore[PFT106] inside a string is not a comment"
model = AutoModelForCausalLM.from_pretrained("gpt2", use_cache=True){trailing}
model = get_peft_model(model, LoraConfig(r=8, target_modules=["c_attn"]))
Trainer(model=model, args=TrainingArguments(output_dir="o", gradient_checkpointing=True)).train()
{footer}'''


def run(tmp_path: Path, trailing: str = "", footer: str = "") -> str:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(trailing=trailing, footer=footer), encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--output-format", "concise",
                                "--ignore-installed", str(script)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_without_comment_the_finding_shows(tmp_path: Path) -> None:
    assert "PFT106" in run(tmp_path)


def test_trailing_comment_by_code_or_name(tmp_path: Path) -> None:
    for comment in ("  # peft-lint: ignore[PFT106] eval generates", "  # peft-lint: ignore[gc-use-cache]"):
        assert "PFT1" not in run(tmp_path, trailing=comment)


def test_file_level_comment(tmp_path: Path) -> None:
    output = run(tmp_path, footer="# peft-lint: ignore-file[gc-use-cache] cache needed for eval\n")
    assert "PFT106" not in output and "PFT904" not in output


def test_other_rule_named_leaves_the_finding_and_reports_the_stale_name(tmp_path: Path) -> None:
    output = run(tmp_path, trailing="  # peft-lint: ignore[PFT101]")
    assert "PFT106" in output and "PFT904" in output


def test_unknown_name_is_reported(tmp_path: Path) -> None:
    output = run(tmp_path, trailing="  # peft-lint: ignore[gc-use-cash]")
    assert "PFT106" in output and "PFT905" in output and "`gc-use-cash`" in output
