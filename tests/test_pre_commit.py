"""The pre-commit hook, run by real pre-commit against a temporary repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import HAZARD_SCRIPT

ROOT = Path(__file__).resolve().parent.parent
CLEAN = '''from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = get_peft_model(AutoModelForCausalLM.from_pretrained("gpt2"), LoraConfig(target_modules=["c_attn"]))
Trainer(model=model, args=TrainingArguments(output_dir="o")).train()
'''


def git(folder: Path, *arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True,
                          text=True).stdout


def hook_repository(target: Path) -> Path:
    """A committed copy of this working tree (tracked and new, unignored files): pre-commit
    installs hooks from commits, and the change under test may not be committed yet."""
    for name in git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard").splitlines():
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-q", "-m", "hook")
    return target


@pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                    reason="needs git and pre-commit (installed by the test extra)")
def test_hook_passes_a_clean_commit_and_fails_a_hazard(tmp_path: Path) -> None:
    hooks = hook_repository(tmp_path / "peft-lint")
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "ci")
    # with peft-lint's cache on, as users run it: its folder must not dirty the repository
    environment = {**{name: value for name, value in os.environ.items() if name != "PEFT_LINT_NO_CACHE"},
                   "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_NO_INPUT": "1"}

    def hook() -> subprocess.CompletedProcess[str]:
        git(repo, "add", "-A")
        return subprocess.run(["pre-commit", "try-repo", str(hooks), "peft-lint", "--all-files"],
                              cwd=repo, env=environment, capture_output=True, text=True, check=False)

    (repo / "train.py").write_text(CLEAN, encoding="utf-8")
    (repo / "requirements.txt").write_text("transformers==5.24.0\n", encoding="utf-8")
    clean = hook()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (repo / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    failing = hook()
    assert failing.returncode == 1 and "PFT303" in failing.stdout, failing.stdout + failing.stderr
    again = hook()  # unchanged: answered from the cache, the same verdict
    assert again.returncode == 1 and "PFT303" in again.stdout, again.stdout + again.stderr
    assert (repo / ".peft_lint_cache").is_dir()
    assert ".peft_lint_cache" not in git(repo, "status", "--porcelain", "--untracked-files=all")
