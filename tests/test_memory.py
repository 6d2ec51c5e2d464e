"""Folder mode keeps memory flat: a script's text goes once its run is found and comes back
only while its run is linted, for the findings shown and for its suppression comments; the
report does not change."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from peft_lint.engine.runner import LintOptions, lint
from peft_lint.output.text import render_full
from peft_lint.settings import Settings

SUPPRESSED = '''from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
model = get_peft_model(model, LoraConfig(r=0, target_modules=["q_proj"]))  # peft-lint: ignore[PFT703] probe
'''


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for source in sorted((ROOT / "corpus").iterdir())[:12]:
        if source.is_dir():
            target = tmp_path / "runs" / source.name
            target.mkdir(parents=True)
            for file in source.iterdir():
                if file.is_file():
                    target.joinpath(file.name).write_bytes(file.read_bytes())
    (tmp_path / "runs" / "suppressed").mkdir()
    (tmp_path / "runs" / "suppressed" / "train.py").write_text(SUPPRESSED, encoding="utf-8")
    return tmp_path / "runs"


def lint_folder(folder: Path, keep_setups: bool) -> object:
    return lint([folder], LintOptions(use_installed=False, settings=Settings(), keep_setups=keep_setups))


def test_a_folders_texts_go_and_the_report_stays(folder: Path) -> None:
    kept = lint_folder(folder, keep_setups=True)
    flat = lint_folder(folder, keep_setups=False)
    assert render_full(flat, colour=False) == render_full(kept, colour=False)  # type: ignore[arg-type]
    shown = {span.path for d in flat.diagnostics for span in (d.span, *(r.span for r in d.related))}  # type: ignore[attr-defined]
    scripts = [file for file in flat.files if file.kind == "python"]  # type: ignore[attr-defined]
    assert shown and any(file.path not in shown for file in scripts)
    for file in scripts:  # read again: the files a finding shows, and those with a suppression
        assert (file.text != "") == (file.path in shown or file.mentions_peft_lint), file.path
    configs = [file for file in flat.files if file.kind in ("yaml", "json")]  # type: ignore[attr-defined]
    assert configs and all(file.config is None for file in configs if file.path not in shown)


def test_a_suppression_in_a_released_script_still_applies(folder: Path) -> None:
    flat = lint_folder(folder, keep_setups=False)
    assert not [d for d in flat.diagnostics if d.span.path.endswith("suppressed/train.py")]  # type: ignore[attr-defined]
