"""Every case of every rule: the findings must be exactly the `# expect:` markers."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from conftest import RULES, all_cases

from peft_lint.engine.runner import lint
from peft_lint.output.text import render_full
from peft_lint.testing import case_options, expected_findings, run_case

UPDATE = os.environ.get("PEFT_LINT_UPDATE_SNAPSHOTS") == "1"


@pytest.mark.parametrize("case", all_cases(), ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_case(case: Path) -> None:
    expected = expected_findings(case)
    result, actual = run_case(case)
    rule_code = case.parent.parent.name[:6].upper()
    # A case speaks for its own rule and for the meta rules; other rules may fire too
    # only where the case marks them.
    missing = expected - actual
    unexpected = {finding for finding in actual - expected}
    assert not missing and not unexpected, (
        f"\nmissing: {sorted(missing, key=str)}\nunexpected: {sorted(unexpected, key=str)}"
        f"\nrule: {rule_code}\nnotes: {[n for s in result.setups for n in s.notes]}")
    snapshot = case / "expected.txt"
    rendered = render_full(result, io.StringIO())
    if UPDATE and expected:
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.exists() or not expected, "a firing case needs its expected.txt snapshot; " \
        "create it with PEFT_LINT_UPDATE_SNAPSHOTS=1"
    if snapshot.exists():
        assert rendered == snapshot.read_text(encoding="utf-8"), \
            "rendered output changed; rerun with PEFT_LINT_UPDATE_SNAPSHOTS=1 and review the diff"


# Meta rules about unreadable files: folder mode only reads the files a run reaches.
FOLDER_MODE_EXEMPT = ("pft901", "pft903")


@pytest.mark.parametrize("case", [case for case in all_cases()
                                  if not case.parent.parent.name.startswith(FOLDER_MODE_EXEMPT)],
                         ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_folder_mode_finds_what_the_named_files_find(case: Path) -> None:
    """`peft-lint <folder>` must group the case's files into the run the case names (unless
    the case is about files named together: `folder-mode = false` in its case.toml, with why)."""
    from peft_lint.testing import case_settings

    if case_settings(case).get("folder-mode") is False:
        pytest.skip(str(case_settings(case).get("why", "the case is about files named together")))
    options = case_options(case)
    _, named = run_case(case)
    previous = Path.cwd()
    os.chdir(case)
    try:
        result = lint([Path(".")], options)
    finally:
        os.chdir(previous)
    found = {(Path(d.span.path).as_posix(), d.span.line, d.code) for d in result.diagnostics}
    assert found == {(finding.path, finding.line, finding.code) for finding in named}


def test_every_rule_has_cases() -> None:
    for folder in sorted(RULES.glob("pft*")):
        cases = [path for path in (folder / "cases").glob("*") if path.is_dir()]
        code = folder.name[:6].upper()
        firing = [case for case in cases
                  if any(f.code == code for f in expected_findings(case))]
        silent = [case for case in cases
                  if not any(f.code == code for f in expected_findings(case))]
        assert firing, f"{folder.name} has no case that fires"
        assert silent, f"{folder.name} has no case that must stay silent"
