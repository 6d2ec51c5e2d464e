"""Realistic runs (corpus/): no false alarms, no misses."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from peft_lint.testing import expected_findings, run_case

RUNS = sorted(path for path in (ROOT / "corpus").iterdir() if path.is_dir() and not path.name.startswith("."))


@pytest.mark.parametrize("run", RUNS, ids=lambda path: path.name)
def test_corpus_run(run: Path) -> None:
    expected = expected_findings(run)
    _, actual = run_case(run)
    assert actual == expected, f"false alarms: {actual - expected}, missed: {expected - actual}"
