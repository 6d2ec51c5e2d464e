"""The same files give the same output, whatever Python's hash seed (sets, dicts)."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def test_output_does_not_depend_on_hash_seed() -> None:
    outputs = []
    # seeds 0 and 5 order {"query", "value"} differently: the regression this test guards
    for seed in ("0", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
        result = subprocess.run([sys.executable, "-m", "peft_lint", "rules", "--output-format", "json"],
                                capture_output=True, text=True, env=env, check=False)
        folder = subprocess.run([sys.executable, "-m", "peft_lint", str(ROOT / "rules"), "--ignore-installed",
                                 "--output-format", "json"], capture_output=True, text=True, env=env,
                                check=False, cwd=ROOT)
        outputs.append(result.stdout + folder.stdout)
    assert outputs[0] == outputs[1]
