"""The GitHub Action: its steps, executed here as the runner would (inputs in the environment)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import HAZARD_SCRIPT

from peft_lint.action import action_arguments

ROOT = Path(__file__).resolve().parent.parent


def run_step(step: dict[str, object], cwd: Path, inputs: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A composite step as the runner runs it: `${{ inputs.x }}` in `env` substituted, bash -c."""
    environment = dict(os.environ, GITHUB_ACTION_PATH=str(ROOT))
    for name, value in dict(step.get("env") or {}).items():  # type: ignore[call-overload]
        for key, given in inputs.items():
            value = str(value).replace(f"${{{{ inputs.{key} }}}}", given)
        environment[name] = value
    return subprocess.run(["bash", "-c", str(step["run"])], cwd=cwd, env=environment, capture_output=True,
                          text=True, check=False)


def test_action_annotates_paths_with_spaces_and_names_the_versions(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    install, lint = action["runs"]["steps"]
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # quoted: the action's path may hold spaces
    folder = tmp_path / "my runs"
    folder.mkdir()
    (folder / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    inputs = {"paths": '"my runs/train.py"', "args": "--target-version transformers==5.24.0"}
    completed = run_step(lint, tmp_path, inputs)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.startswith("::error file=my runs/train.py,line=4,")
    assert "::notice title=peft-lint versions::checked for " in completed.stdout
    assert "transformers 5.24.0 (from --target-version)" in completed.stdout


@pytest.mark.parametrize(("paths", "args", "expected"), [
    (".", "", ["."]),
    ("src tests", "--fail-on warning", ["--fail-on", "warning", "src", "tests"]),
    ('"my runs" configs', "", ["my runs", "configs"]),
    ("my runs/train.py\nconfigs/ds z3.json\n", "", ["my runs/train.py", "configs/ds z3.json"]),
])
def test_action_inputs_split_as_a_shell_would(paths: str, args: str, expected: list[str]) -> None:
    assert action_arguments(paths, args) == ["check", "--output-format", "github", *expected]


def test_readme_action_snippet_as_written(tmp_path: Path) -> None:
    """The README's workflow steps: the action it names is this one at the current release, and
    its `with:` inputs run through the action's own steps."""
    from peft_lint import __version__

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("```yaml", text.index("GitHub Actions ("))
    steps = yaml.safe_load(text[text.index("\n", start) + 1:text.index("```", start + 7)])
    step = next(step for step in steps if str(step.get("uses", "")).startswith("peft-lint/peft-lint@"))
    assert step["uses"] == f"peft-lint/peft-lint@v{__version__}"
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert set(step["with"]) <= set(action["inputs"])
    for name in ("train.py", "config.yaml", "launch.sh"):  # the README's own example run
        (tmp_path / name).write_text((ROOT / "examples" / "adalora-ddp" / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    inputs = {name: str(value) for name, value in step["with"].items()}
    completed = run_step(action["runs"]["steps"][1], tmp_path, inputs)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stdout.startswith("::error file=train.py,line=42,")
