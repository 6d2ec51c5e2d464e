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


NEEDS_PRE_COMMIT = pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                                      reason="needs git and pre-commit (installed by the test extra)")


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """This tree committed and tagged as the release the README names, and one pre-commit home:
    pre-commit builds the hook's environment once for the module's tests."""
    from peft_lint import __version__

    folder = tmp_path_factory.mktemp("hooks")
    repository = hook_repository(folder / "peft-lint")
    git(repository, "tag", f"v{__version__}")
    return repository, folder / "pre-commit-home"


def new_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q")
    git(folder, "config", "user.email", "ci@example.com")
    git(folder, "config", "user.name", "ci")
    return folder


@NEEDS_PRE_COMMIT
def test_hook_passes_a_clean_commit_and_fails_a_hazard(tmp_path: Path, hooks: tuple[Path, Path]) -> None:
    hooks_repository, home = hooks
    repo = new_project(tmp_path / "project")
    # with peft-lint's cache on, as users run it: its folder must not dirty the repository
    environment = {**{name: value for name, value in os.environ.items() if name != "PEFT_LINT_NO_CACHE"},
                   "PRE_COMMIT_HOME": str(home), "PIP_NO_INPUT": "1"}

    def hook() -> subprocess.CompletedProcess[str]:
        git(repo, "add", "-A")
        return subprocess.run(["pre-commit", "try-repo", str(hooks_repository), "peft-lint", "--all-files"],
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


DEVICE_MAP_SCRIPT = '''from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2", device_map="auto")
model = get_peft_model(model, LoraConfig(target_modules=["c_attn"]))
Trainer(model=model, args=TrainingArguments(output_dir="o")).train()
'''


@NEEDS_PRE_COMMIT
def test_hook_lints_only_the_runs_a_commit_changes(tmp_path: Path, hooks: tuple[Path, Path]) -> None:
    """pre-commit hands over the staged files: the runs they belong to are linted, others not."""
    hooks_repository, home = hooks
    repo = new_project(tmp_path / "project")
    for folder in ("clean", "single", "untracked"):
        (repo / folder).mkdir(parents=True)
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home), "PIP_NO_INPUT": "1"}
    (repo / "requirements.txt").write_text("transformers==5.24.0\n", encoding="utf-8")
    (repo / "clean" / "train.py").write_text(CLEAN, encoding="utf-8")
    (repo / "single" / "train.py").write_text(DEVICE_MAP_SCRIPT, encoding="utf-8")  # fine on one process
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "two runs")

    def hook(*staged: str) -> subprocess.CompletedProcess[str]:
        git(repo, "add", *staged)
        return subprocess.run(["pre-commit", "try-repo", str(hooks_repository), "peft-lint", "--verbose"],
                              cwd=repo, env=environment, capture_output=True, text=True, check=False)

    # an untracked hazard elsewhere does not block a commit that changes the clean run
    (repo / "untracked" / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    (repo / "clean" / "train.py").write_text(CLEAN + "# tuned\n", encoding="utf-8")
    clean = hook("clean/train.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "PFT303" not in clean.stdout
    git(repo, "commit", "-q", "-m", "clean change")
    # a launcher added to the other run: that run (its script, unchanged) is linted with it
    (repo / "single" / "run.sh").write_text("torchrun --nproc_per_node 4 train.py\n", encoding="utf-8")
    failing = hook("single/run.sh")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "PFT201" in failing.stdout and "PFT303" not in failing.stdout, failing.stdout


def readme_block(after: str) -> str:
    """The first fenced block of the README after the line that starts with `after`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("```", text.index(after))
    body = text.index("\n", start) + 1
    return text[body:text.index("```", body)]


@NEEDS_PRE_COMMIT
def test_readme_pre_commit_snippet_as_written(tmp_path: Path, hooks: tuple[Path, Path]) -> None:
    """The README's .pre-commit-config.yaml, with only its repository URL pointing at a copy of
    this tree tagged as the release it names (`v<version>`)."""
    from peft_lint import __version__

    hooks_repository, home = hooks
    snippet = readme_block("pre-commit (`.pre-commit-config.yaml`)")
    assert f"rev: v{__version__}\n" in snippet, "the snippet names the current release's tag"
    repo = new_project(tmp_path / "project")
    config = snippet.replace("https://github.com/peft-lint/peft-lint", str(hooks_repository))
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    (repo / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    git(repo, "add", "-A")
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home), "PIP_NO_INPUT": "1"}
    completed = subprocess.run(["pre-commit", "run"], cwd=repo, env=environment, capture_output=True,
                               text=True, check=False)
    assert completed.returncode == 1 and "PFT303" in completed.stdout, completed.stdout + completed.stderr
