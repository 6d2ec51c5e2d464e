"""The same files give the same output, whatever Python's hash seed (sets, dicts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_output_does_not_depend_on_hash_seed() -> None:
    outputs = []
    # seeds 0 and 5 order {"query", "value"} differently: the regression this test guards
    for seed in ("0", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
        result = subprocess.run([sys.executable, "-m", "peft_lint", "rules", "--output-format", "json"],
                                capture_output=True, text=True, env=env, check=False)
        folder = subprocess.run([sys.executable, "-m", "peft_lint", str(ROOT / "rules"), "--ignore-installed",
                                 "--output-format", "json", "--no-cache"], capture_output=True, text=True,
                                env=env, check=False, cwd=ROOT)
        outputs.append(result.stdout + folder.stdout)
    assert outputs[0] == outputs[1]


def test_worker_processes_give_the_same_output_as_one_process(tmp_path: Path) -> None:
    """Folder mode in 1, 2 and 3 processes: the same findings, notes and order, byte for byte;
    a syntax error that only a worker parses is still reported."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--units", "24", "--out",
                    str(tmp_path / "corpus")], check=True, capture_output=True)
    broken = tmp_path / "corpus" / "unit0003" / "train.py"
    broken.write_text(broken.read_text(encoding="utf-8") + "\ndef broken(:\n", encoding="utf-8")
    outputs = [subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "--no-cache",
                               "--output-format", "json", "--jobs", jobs, "corpus"],
                              cwd=tmp_path, capture_output=True, text=True, check=False).stdout
               for jobs in ("1", "2", "3")]
    assert outputs[0] == outputs[1] == outputs[2]
    codes = [d["code"] for d in json.loads(outputs[0])["diagnostics"]]
    assert "PFT902" in codes and len(codes) > 1
