"""--write-baseline / --baseline through the CLI: keyed by content, not line numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import HAZARD_SCRIPT


def cli(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "--output-format",
                           "concise", *arguments, "train.py"],
                          cwd=folder, capture_output=True, text=True, check=False)


def test_baseline_hides_old_findings_and_shows_new_ones(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(HAZARD_SCRIPT, encoding="utf-8")
    assert cli(tmp_path).returncode == 1
    written = cli(tmp_path, "--write-baseline", "baseline.json")
    assert written.returncode == 0 and "wrote 1 finding" in written.stdout
    assert cli(tmp_path, "--baseline", "baseline.json").returncode == 0
    # Lines moved: the finding is still the baselined one.
    script.write_text('"""Fine-tune GPT-2 with LoRA."""\n\n' + HAZARD_SCRIPT, encoding="utf-8")
    assert cli(tmp_path, "--baseline", "baseline.json").returncode == 0
    # A second model loaded the old way is a new finding.
    script.write_text(HAZARD_SCRIPT.replace('model = get_peft_model',
                                     'other = AutoModelForCausalLM.from_pretrained("gpt2", load_in_4bit=True)'
                                     '\nmodel = get_peft_model'), encoding="utf-8")
    new = cli(tmp_path, "--baseline", "baseline.json")
    assert new.returncode == 1 and new.stdout.count("PFT303") == 1 and ":5:" in new.stdout


def test_bad_baseline_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    (tmp_path / "baseline.json").write_text("{}", encoding="utf-8")
    completed = cli(tmp_path, "--baseline", "baseline.json")
    assert completed.returncode == 2 and "not a peft-lint baseline" in completed.stderr
