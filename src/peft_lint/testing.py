"""Running rule cases: a folder of files whose offending lines carry `# expect: CODE`.

Used by the test suite for every built-in rule, and usable for user rule packs.
A case folder may hold `case.toml` with `world-size = N` and
`target-versions = ["transformers==4.57.6"]`; pins in a `requirements.txt` of the
case are read like any run's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from peft_lint.engine.runner import LintOptions, LintResult, lint
from peft_lint.inputs.toml_text import load_toml_text

EXPECT = re.compile(r"#\s*expect:\s*([A-Z]{3}\d{3}(?:\s*,\s*[A-Z]{3}\d{3})*)")
CASE_FILE_KINDS = (".py", ".ipynb", ".yaml", ".yml", ".json", ".sh", ".slurm")
NOT_INPUTS = frozenset({"case.toml", "expected.txt", "requirements.txt"})


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    code: str


def case_settings(case: Path) -> dict[str, object]:
    return _case_settings(case)


def _case_settings(case: Path) -> dict[str, object]:
    settings_file = case / "case.toml"
    if not settings_file.is_file():
        return {}
    return load_toml_text(settings_file.read_text(encoding="utf-8")) or {}


def case_inputs(case: Path) -> list[str]:
    """The case's files, plus `extra-inputs` of case.toml (names that may not exist)."""
    names = sorted(entry.name for entry in case.iterdir()
                   if entry.is_file() and entry.name not in NOT_INPUTS
                   and entry.name.endswith(CASE_FILE_KINDS))
    extra = _case_settings(case).get("extra-inputs", [])
    return names + [str(name) for name in extra if str(name) not in names]  # type: ignore[attr-defined]


def expected_findings(case: Path) -> set[Finding]:
    found: set[Finding] = set()
    for item in _case_settings(case).get("expect", []):  # type: ignore[attr-defined]
        path, line, code = str(item).rsplit(":", 2)
        found.add(Finding(path, int(line), code))
    for name in case_inputs(case):
        if not (case / name).is_file():
            continue
        text = (case / name).read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in match.group(1).split(","):
                    found.add(Finding(name, number, code.strip()))
    return found


def case_options(case: Path) -> LintOptions:
    from peft_lint.inputs.versions import parse_target

    data = _case_settings(case)
    world_size = data.get("world-size")
    targets = data.get("target-versions", [])
    return LintOptions(
        world_size=world_size if isinstance(world_size, int) else None,
        target_versions=dict(parse_target(str(item)) for item in targets),  # type: ignore[attr-defined]
        use_installed=False)


def run_case(case: Path) -> tuple[LintResult, set[Finding]]:
    """Lint a case folder as one run unit; returns the result and its findings."""
    previous = Path.cwd()
    os.chdir(case)
    try:
        result = lint([Path(name) for name in case_inputs(case)], case_options(case))
    finally:
        os.chdir(previous)
    actual = {Finding(d.span.path, d.span.line, d.code) for d in result.diagnostics}
    return result, actual
