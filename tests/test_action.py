"""The GitHub Action: its run step, executed here as the runner would (inputs substituted)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from conftest import HAZARD_SCRIPT

ROOT = Path(__file__).resolve().parent.parent


def test_action_installs_from_its_checkout_and_annotates(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    install, lint = (step["run"] for step in action["runs"]["steps"])
    assert "${{ github.action_path }}" in install
    inputs = {name: spec["default"] for name, spec in action["inputs"].items()}
    command = lint.replace("${{ inputs.args }}", "--target-version transformers==5.24.0")
    command = command.replace("${{ inputs.paths }}", inputs["paths"])
    (tmp_path / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    completed = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True,
                               check=False)
    assert completed.returncode == 1
    assert completed.stdout.startswith("::error file=train.py,line=4,")
