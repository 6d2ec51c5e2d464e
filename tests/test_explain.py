"""`peft-lint explain`: every fact of the resolved setup with its value and origin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def explain(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "peft_lint", "explain", "--ignore-installed", *arguments],
                          cwd=ROOT, capture_output=True, text=True, check=False)


def test_explain_shows_values_and_origins() -> None:
    completed = explain("examples/adalora-ddp")
    assert completed.returncode == 0
    lines = {line.split()[0]: line for line in completed.stdout.splitlines() if line.startswith("    ")}
    assert '"adalora"' in lines["method"] and "train.py:42" in lines["method"]
    assert "true" in lines["use_reentrant"] and "default of transformers 4.57.6" in lines["use_reentrant"]
    assert "launch.sh:3" in completed.stdout and "pinned in examples/adalora-ddp/requirements.txt" in \
        completed.stdout
    assert "activation_checkpointing" not in completed.stdout  # not a field of 4.57.6


def test_explain_json_and_unknown_facts(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("import sys\nfrom peft import LoraConfig, get_peft_model\n"
                      "from transformers import AutoModelForCausalLM, Trainer, TrainingArguments\n"
                      "base = AutoModelForCausalLM.from_pretrained(sys.argv[1])\n"
                      "model = get_peft_model(base, LoraConfig())\n"
                      "Trainer(model=model, args=TrainingArguments(output_dir='o')).train()\n",
                      encoding="utf-8")
    document = json.loads(explain("--output-format", "json", str(script)).stdout)
    (run,) = document["runs"]
    model_type = run["facts"]["model"]["model_type"]
    assert model_type["known"] is False and "run time" in model_type["detail"]
    assert run["facts"]["processes"]["world size"]["known"] is False
    assert run["versions"]["transformers"]["version"] == "5.24.0"  # newest known, nothing installed read


def test_explain_reads_update_and_allocate_as_check_does() -> None:
    """Where check reports the call missing or dead (PFT401), explain says so, not Unknown."""
    import subprocess
    import sys

    from conftest import ROOT

    cases = ROOT / "rules" / "pft401_adalora_missing_update_and_allocate" / "cases"
    for case, shown in (("builtin_callbacks_only", '"none"'),
                        ("callback_never_registered", "never runs")):
        command = [sys.executable, "-m", "peft_lint", "explain", "--ignore-installed", "train.py"]
        completed = subprocess.run(command, cwd=cases / case, capture_output=True, text=True, check=False)
        block = completed.stdout.split("adalora rank allocation", 1)[1].split("training arguments", 1)[0]
        assert shown in block and "?" not in block, block
