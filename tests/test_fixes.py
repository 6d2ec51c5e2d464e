"""--fix and --diff: every rule case with `<file>.fixed` beside it is fixed to exactly that."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import all_cases

from peft_lint.engine.diagnostic import InsertArgument, InsertLine, MoveCallBefore
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


def _applied(text: str, edit: InsertArgument | InsertLine | MoveCallBefore) -> str | None:
    from peft_lint.engine.fixes import _as_edit, _offset

    concrete = _as_edit(edit, text)
    if concrete is None:
        return None
    lines = text.splitlines(keepends=True)
    start, end = (_offset(lines, concrete.line, concrete.column),
                  _offset(lines, concrete.end_line, concrete.end_column))
    return text[:start] + concrete.replacement + text[end:]


def _call(text: str, argument: str = "b=2") -> InsertArgument:
    lines = text.splitlines()
    return InsertArgument("t.py", 1, 1, len(lines), len(lines[-1]) + 1, argument)


@pytest.mark.parametrize(("before", "after"), [
    ("f()", "f(b=2)"),
    ("f(a=1)", "f(a=1, b=2)"),
    ("f(a=1,)", "f(a=1, b=2)"),
    ("f(\n    a=1,\n)", "f(\n    a=1,\n    b=2,\n)"),
    ("f(\n    a=1\n)", "f(\n    a=1,\n    b=2\n)"),
    # a trailing comment after the last argument: the argument goes before it, not into it
    ("f(\n    a=1,  # note (x)\n)", "f(\n    a=1,\n    b=2,  # note (x)\n)"),
    ("f(\n    a=1  # note\n)", "f(\n    a=1,\n    b=2  # note\n)"),
])
def test_insert_argument_keeps_the_call_style(before: str, after: str) -> None:
    assert _applied(before, _call(before)) == after


@pytest.mark.parametrize(("before", "line", "after"), [
    ("a: 1\ngc: true\nb: 2\n", 2, "a: 1\ngc: true\nk: v\nb: 2\n"),
    ("top:\n  gc: true  # on\n", 2, "top:\n  gc: true  # on\n  k: v\n"),
    ("a: 1\ngc: true", 2, "a: 1\ngc: true\nk: v"),
    ("a: 1\n", 0, "a: 1\nk: v\n"),
    ("a: 1", 0, "a: 1\nk: v\n"),
    ("gc:\n  x: 1\n", 1, None),  # the value is a block: no line below it
    ("gc: &anchor true\n", 1, None),
    ("{a: 1, gc: true}\n", 1, None),  # flow mapping
    ("a: 1\n---\nb: 2\n", 0, None),  # several documents
])
def test_insert_line_only_into_plain_block_mappings(before: str, line: int, after: str | None) -> None:
    assert _applied(before, InsertLine("c.yaml", line, "k: v")) == after


def _moved(text: str) -> str | None:
    """Move the prepare_model_for_kbit_training line above the get_peft_model line."""
    lines = text.splitlines()
    line = next(number for number, content in enumerate(lines, 1) if "prepare_model" in content)
    before = next(number for number, content in enumerate(lines, 1) if "get_peft_model" in content)
    edit = MoveCallBefore("t.py", line, "prepare_model_for_kbit_training", before, "get_peft_model")
    return _applied(text, edit)


PREPARE, WRAP = "m = prepare_model_for_kbit_training(m", "m = get_peft_model(m, c)"


@pytest.mark.parametrize(("before", "after"), [
    (f"{WRAP}\nm.print_trainable_parameters()\n# prepare\n{PREPARE})\n",
     f"# prepare\n{PREPARE})\n{WRAP}\nm.print_trainable_parameters()\n"),
    (f"def f(m):\n    {WRAP}\n    {PREPARE},\n        True)\n    return m",
     f"def f(m):\n    {PREPARE},\n        True)\n    {WRAP}\n    return m"),
    (f"{WRAP}\n{PREPARE})", f"{PREPARE})\n{WRAP}\n"),
    # comments and formatting survive (LibCST): each comment stays with the statement it sits on
    (f"{WRAP}  # wrap\n\n# a note on x\nx = 1\n# prepare it\n{PREPARE},  # 4-bit\n    True)\n",
     f"# prepare it\n{PREPARE},  # 4-bit\n    True)\n{WRAP}  # wrap\n\n# a note on x\nx = 1\n"),
    # refused: another variable, a name bound in between, a shared line, a compound header
    ("p = get_peft_model(m, c)\np = prepare_model_for_kbit_training(p)\n", None),
    (f"{WRAP}\nk = {{}}\n{PREPARE}, gradient_checkpointing_kwargs=k)\n", None),
    (f"{WRAP}; {PREPARE})\n", None),
    (f"{WRAP}\nif q: {PREPARE})\n", None),
    (f"if q:\n    {WRAP}\n{PREPARE})\n", None),
])
def test_move_call_before_only_when_nothing_else_changes(before: str, after: str | None) -> None:
    assert _moved(before) == after
