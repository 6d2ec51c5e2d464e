"""The README shows what the tool really prints and lists every rule."""

from __future__ import annotations

import pytest
from conftest import ROOT

from peft_lint.cli import main
from peft_lint.engine.registry import all_rules

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_rule() -> None:
    for rule in all_rules():
        assert f"| {rule.code} | `{rule.name}` | {rule.severity.value} | {rule.summary} |" in README


def test_readme_example_output_is_current(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "examples" / "adalora-ddp")
    monkeypatch.setenv("NO_COLOR", "1")
    main(["train.py", "config.yaml", "launch.sh", "--ignore-installed"])
    output = capsys.readouterr().out.rstrip()
    # The README's run assumes no training library is installed beside peft-lint.
    assert output in README
