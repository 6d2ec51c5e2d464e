"""--fix and --diff: every rule case with `<file>.fixed` beside it is fixed to exactly that."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import all_cases

from peft_lint.testing import case_inputs

FIX_CASES = [case for case in all_cases() if any(case.glob("*.fixed"))]


def cli(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "--output-format",
                           "concise", *arguments, *case_inputs(folder)],
                          cwd=folder, capture_output=True, text=True, check=False)


def test_some_rules_have_fix_cases() -> None:
    assert FIX_CASES


@pytest.mark.parametrize("case", FIX_CASES, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_fix_produces_the_fixed_files(case: Path, tmp_path: Path) -> None:
    work = tmp_path / case.name
    shutil.copytree(case, work)
    def contents() -> dict[str, str]:
        return {path.name: path.read_text(encoding="utf-8") for path in work.iterdir() if path.is_file()}

    before = contents()
    diff = cli(work, "--diff", "--unsafe-fixes")
    assert diff.returncode == 1 and diff.stdout.startswith("--- a/")
    assert contents() == before  # --diff changes nothing
    if not cli(work, "--diff").stdout:  # an unsafe fix: plain --fix must leave the files alone
        cli(work, "--fix")
        assert contents() == before
    rule = case.parent.parent.name[:6].upper()
    fixed = cli(work, "--fix", "--unsafe-fixes")
    assert rule not in fixed.stdout, fixed.stdout
    for expected in work.glob("*.fixed"):
        target = work / expected.name.removesuffix(".fixed")
        assert target.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")


def test_json_offers_fixes_as_plain_text_edits() -> None:
    import json

    case = next(case for case in FIX_CASES if case.parent.parent.name.startswith("pft601"))
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "--output-format",
                                "json", *case_inputs(case)], cwd=case, capture_output=True, text=True,
                               check=False)
    document = json.loads(completed.stdout)
    (diagnostic,) = document["diagnostics"]
    assert diagnostic["fix"]["safe"] is False
    assert diagnostic["fix"]["edits"] == [{"path": "merge.py", "line": 8, "column": 1, "end_line": 8,
                                           "end_column": 1, "replacement": "model = "}]
