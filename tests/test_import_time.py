"""Cold start: what `python -X importtime` says peft-lint imports, held to a budget.

A hook runs peft-lint as a fresh process on every commit, so import time is most of its
wall time. The budget is generous against machine noise (the best of three runs) and still
catches the regressions that matter: a heavy library on the lint path, or `--version`
loading the engine. pydantic is on the lint path by design when a run writes a field with a
run-time check (knowledge/config_models.py builds that class's model over those fields); it
and what it imports (email, via importlib.metadata) stay within the budget.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

# ms of what the lint imports beyond the bare interpreter's start-up (peft_lint, yaml, click,
# pydantic, ...), best of 3 runs after one that writes the bytecode. Measured 87-185 ms on the
# 2-core development machine on 2026-11-30 and 176-228 ms on 2026-12-01 (its noise is large);
# pydantic (with its plugin loader, which imports importlib.metadata) and click are 60-80 ms of it
# by design (issue 12; bench/RESULTS.md). A heavy library on the lint path costs seconds, not tens
# of ms: the budget catches that, and the list below names the ones that must never load.
LINT_PATH_BUDGET_MS = 250
NEVER_ON_THE_LINT_PATH = ("torch", "transformers", "peft", "trl", "accelerate", "bitsandbytes",
                          "deepspeed", "numpy", "jsonschema", "libcst", "ruamel",
                          "urllib.request", "http.client", "xml.sax", "asyncio")


def import_times(*arguments: str, cwd: Path = ROOT) -> dict[str, int]:
    """module -> cumulative microseconds, for the modules imported at top level (not from
    inside another module's import; a lazy import inside a function counts as top level).

    Measured as an installed hook runs: with compiled bytecode. An environment that forbids
    writing it (PYTHONDONTWRITEBYTECODE, as some CI images set) would otherwise measure the
    compiler on every module of a fresh checkout."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    completed = subprocess.run([sys.executable, "-X", "importtime", *arguments], cwd=cwd,
                               capture_output=True, text=True, check=False, env=environment)
    times: dict[str, int] = {}
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, column = line.removeprefix("import time:").split("|")
        if not column.startswith("  "):  # nested imports are indented by two spaces a level
            times[column.strip()] = int(cumulative)
    return times


def added_import_ms(*arguments: str) -> float:
    """What the command imports beyond the bare interpreter's start-up, in ms, best of 3."""
    bare = set(import_times("-c", "pass"))
    import_times(*arguments)  # writes the bytecode a fresh checkout lacks
    runs = [import_times(*arguments) for _ in range(3)]
    return min(sum(time for name, time in run.items() if name not in bare) for run in runs) / 1000


def test_the_lint_path_imports_nothing_heavy_and_stays_in_budget() -> None:
    arguments = ("-m", "peft_lint", "--ignore-installed", "examples/adalora-ddp")
    imported = imported_names(*arguments)
    assert "peft_lint.engine.runner" in imported  # the run did lint
    heavy = sorted(name for name in imported for banned in NEVER_ON_THE_LINT_PATH
                   if name == banned or name.startswith(banned + "."))
    assert heavy == []
    spent = added_import_ms(*arguments)
    assert spent <= LINT_PATH_BUDGET_MS, f"imports beyond the interpreter's took {spent:.0f} ms"


def imported_names(*arguments: str) -> set[str]:
    completed = subprocess.run([sys.executable, "-X", "importtime", *arguments], cwd=ROOT,
                               capture_output=True, text=True, check=False)
    return {line.split("|")[-1].strip() for line in completed.stderr.splitlines()
            if line.startswith("import time:") and "cumulative" not in line}


def test_version_does_not_load_the_engine() -> None:
    imported = imported_names("-m", "peft_lint", "--version")
    own = sorted(name for name in imported if name.startswith("peft_lint"))
    assert own == ["peft_lint", "peft_lint.cli"], own
    assert "click" not in imported and "pydantic" not in imported
