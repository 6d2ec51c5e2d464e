"""`[tool.peft-lint]` settings and the rule-selection flags, through the real CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = '''from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2", use_cache=True)
model = get_peft_model(model, LoraConfig(r=8, target_modules=["c_attn"]))
Trainer(model=model, args=TrainingArguments(output_dir="o", gradient_checkpointing=True)).train()
'''


def lint(folder: Path, settings: str, *flags: str) -> tuple[int, str, str]:
    (folder / ".git").mkdir(exist_ok=True)  # the settings search stops at the repository root
    (folder / "train.py").write_text(SCRIPT, encoding="utf-8")
    (folder / "pyproject.toml").write_text("[tool.peft-lint]\n" + settings, encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--output-format", "concise",
                                "--ignore-installed", *flags, "train.py"],
                               cwd=folder, capture_output=True, text=True, check=False)
    return completed.returncode, completed.stdout, completed.stderr


@pytest.mark.parametrize("settings", ['ignore = ["gc-use-cache"]\n', 'ignore = ["PFT1"]\n',
                                      'select = ["PFT3", "PFT4"]\n',
                                      '[tool.peft-lint.per-file-ignores]\n"train*.py" = ["PFT106"]\n'])
def test_rules_left_out(tmp_path: Path, settings: str) -> None:
    code, out, _ = lint(tmp_path, settings)
    assert code == 0 and "PFT106" not in out


def test_default_reports_and_severity_override_fails(tmp_path: Path) -> None:
    code, out, _ = lint(tmp_path, "")
    assert code == 0 and "PFT106 [info]" in out
    code, out, _ = lint(tmp_path, '[tool.peft-lint.severity]\ngc-use-cache = "error"\n')
    assert code == 1 and "PFT106 [error]" in out


def test_flags_override_settings(tmp_path: Path) -> None:
    _, out, _ = lint(tmp_path, 'ignore = ["PFT106"]\n', "--select", "PFT106")
    assert "PFT106" not in out  # ignore still applies on top of select, as in ruff
    _, out, _ = lint(tmp_path, 'select = ["PFT3"]\n', "--extend-select", "gc-use-cache")
    assert "PFT106" in out
    _, out, _ = lint(tmp_path, "", "--ignore", "PFT106")
    assert "PFT106" not in out


@pytest.mark.parametrize(("settings", "message"), [
    ('selct = ["PFT1"]\n', "unknown setting `selct`; did you mean `select`?"),
    ('ignore = ["gc-use-cach"]\n', "`gc-use-cach` selects no rule; did you mean `gc-use-cache`?"),
    ('[tool.peft-lint.severity]\nPFT106 = "fatal"\n', 'severity.PFT106: must be a table of rule = "error"'),
])
def test_bad_settings_are_usage_errors(tmp_path: Path, settings: str, message: str) -> None:
    code, _, err = lint(tmp_path, settings)
    assert code == 2 and message in err


def test_bad_flag_selector_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = lint(tmp_path, "", "--ignore", "PFT99")
    assert code == 2 and "`PFT99` selects no rule" in err


def test_show_settings(tmp_path: Path) -> None:
    lint(tmp_path, 'ignore = ["PFT106"]\n')
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "config", "--show-settings"],
                               cwd=tmp_path, capture_output=True, text=True, check=False)
    assert completed.returncode == 0
    assert "pyproject.toml" in completed.stdout and '["PFT106"]' in completed.stdout


def test_shipped_schema_is_current_and_agrees_with_the_reader(tmp_path: Path) -> None:
    import json

    import jsonschema

    from peft_lint.settings import json_schema

    shipped = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "settings.schema.json")
                         .read_text(encoding="utf-8"))
    assert shipped == json_schema(), "regenerate: peft-lint config --schema > schemas/settings.schema.json"
    good = {"select": ["ALL"], "ignore": ["PFT307"], "target-versions": ["transformers==4.57.6"],
            "per-file-ignores": {"tests/*.py": ["PFT1"]}, "severity": {"gc-use-cache": "error"}}
    jsonschema.validate(good, shipped)
    code, _, _ = lint(tmp_path, "".join(f"{key} = {json.dumps(value)}\n" for key, value in good.items()
                                        if not isinstance(value, dict)))
    assert code in (0, 1)  # the reader accepts what the schema accepts
    for bad in ({"selct": []}, {"severity": {"PFT106": "fatal"}}, {"ignore": "PFT106"}):
        try:
            jsonschema.validate(bad, shipped)
        except jsonschema.ValidationError:
            continue
        raise AssertionError(f"schema accepted {bad}")


def test_per_file_ignores_are_relative_to_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    settings = '[tool.peft-lint.per-file-ignores]\n"experiments/*.py" = ["PFT106"]\n'
    (tmp_path / "pyproject.toml").write_text(settings, encoding="utf-8")
    folder = tmp_path / "experiments"
    folder.mkdir()
    (folder / "train.py").write_text(SCRIPT, encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--output-format", "concise",
                                "--ignore-installed", "train.py"],  # run from inside the folder
                               cwd=folder, capture_output=True, text=True, check=False)
    assert completed.returncode == 0 and "PFT106" not in completed.stdout, completed.stdout


@pytest.mark.parametrize(("table", "said"), [
    ('[project]\nname = "x"\n\n[tool.peft-lint]\nignore = ["PFT101"]\nfail-on = 3\n',
     "pyproject.toml:6: unknown setting `fail-on`"),
    ('[tool.peft-lint]\nselect = "PFT1"\n', "pyproject.toml:2: select: must be a list"),
    ('[tool.peft-lint]\nselect = ["PFT1"\n', "pyproject.toml: invalid TOML: Unclosed array"),
])
def test_invalid_settings_say_the_line(tmp_path: Path, table: str, said: str) -> None:
    from peft_lint.settings import SettingsError, find_settings

    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
    with pytest.raises(SettingsError, match=re.escape(said)):
        find_settings(tmp_path)
