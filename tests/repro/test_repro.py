"""The repro tier: every error rule's claim, executed against the real libraries on the CPU.

For each run of a rule's `repro.toml` (a scenario mirroring one of the rule's cases):
1. peft-lint lints the case for the *installed* versions of torch, transformers, peft, trl
   and accelerate, and so predicts the outcome: the claims of the error rules that fire;
2. the harness runs the scenario for real (2 processes under torchrun where it says so);
3. the prediction must hold: when rules fire, the run shows one of their claims (the
   exception text each message quotes, or the silent effect it names); when none fires, the
   run trains; and no claim of a rule that stayed silent is observed.
So a wrong error text, a wrong version boundary or a wrong default fails this tier.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.registry import all_rules, find_rule
from peft_lint.engine.rule import Claim, Rule
from peft_lint.inputs.toml_text import load_toml_text
from peft_lint.inputs.versions import PACKAGES, parse_requirement
from peft_lint.knowledge.versions import satisfies
from peft_lint.testing import case_inputs

pytestmark = pytest.mark.repro
HERE = Path(__file__).parent
ROOT = HERE.parent.parent
LIBRARIES = ("torch", "transformers", "peft", "accelerate")
TIMEOUT = 600


def installed_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package).split("+", 1)[0]
        except metadata.PackageNotFoundError:
            continue
    return versions


def rules_with_runs() -> list[type[Rule]]:
    return [rule for rule in all_rules() if (_folder(rule) / "repro.toml").is_file()]


def _folder(rule: type[Rule]) -> Path:
    return ROOT / "rules" / f"{rule.code.lower()}_{rule.name.replace('-', '_')}"


def runs_of(rule: type[Rule]) -> list[dict[str, Any]]:
    data = load_toml_text((_folder(rule) / "repro.toml").read_text(encoding="utf-8")) or {}
    return list(data.get("run", []))


def predict(rule: type[Rule], run: dict[str, Any], versions: dict[str, str]) -> list[Diagnostic]:
    """peft-lint's error findings on the run's case, for the installed versions."""
    from peft_lint.engine.runner import LintOptions, lint

    case = _folder(rule) / "cases" / run["case"]
    assert case.is_dir(), f"{rule.code}: repro run names a missing case {run['case']!r}"
    previous = Path.cwd()
    os.chdir(case)
    try:
        result = lint([Path(name) for name in case_inputs(case)],
                      LintOptions(target_versions=versions, use_installed=False))
    finally:
        os.chdir(previous)
    return [d for d in result.diagnostics if d.severity is Severity.ERROR and not d.code.startswith("PFT9")]


def execute(run: dict[str, Any]) -> dict[str, Any]:
    spec = {key: value for key, value in run.items() if key not in ("case", "requires", "processes")}
    processes = int(run.get("processes", 1))
    if processes == 1:
        sys.path.insert(0, str(HERE))
        try:
            import harness
        finally:
            sys.path.remove(str(HERE))
        return harness.run_scenario(spec)  # type: ignore[no-any-return]
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={processes}", str(HERE / "harness.py"), json.dumps(spec)]
    with tempfile.TemporaryDirectory() as folder:
        environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore",
                       "PEFT_LINT_REPRO_OUT": folder}
        completed = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                                   env=environment, check=False)
        results = [json.loads(path.read_text()) for path in sorted(Path(folder).glob("result-*.json"))]
    if not results:
        return {"error": f"no result (exit {completed.returncode}): {completed.stderr[-2000:]}"}
    return min(results, key=lambda result: result.get("rank", 0))  # type: ignore[no-any-return]


def observed(claim: Claim, outcome: dict[str, Any]) -> bool:
    error = outcome.get("error")
    if claim.effect == "error":
        return bool(error) and claim.text in error
    if error:
        return False
    if claim.effect == "adapter-untrained":
        return outcome.get("core_tensors", 0) > 0 and outcome.get("core_changed") == 0
    if claim.effect == "no-rank-allocation":
        return outcome.get("rank_pattern_set") is False
    if claim.effect == "new-rows-untrained":
        return outcome.get("new_rows_trained") is False
    if claim.effect == "head-untrained":
        return outcome.get("head_trained") is False
    if claim.effect == "empty-adapter":
        return outcome.get("saved_tensors") == 0
    if claim.effect == "orig-mod-keys":
        return outcome.get("saved_orig_mod") is True
    raise AssertionError(f"unknown claim effect {claim.effect!r}")


def trains(outcome: dict[str, Any]) -> bool:
    """No exception, and most adapter tensors inside the blocks learned."""
    learned, total = outcome.get("core_changed", 0), outcome.get("core_tensors", 0)
    saved_well = outcome.get("saved_tensors", 1) > 0 and not outcome.get("saved_orig_mod")
    head_well = outcome.get("head_trained", True) and outcome.get("new_rows_trained", True)
    return not outcome.get("error") and 2 * learned > total > 0 and saved_well and head_well


def applicable_claims(diagnostic: Diagnostic) -> list[Claim]:
    rule = find_rule(diagnostic.code)
    assert rule is not None
    claims = [claim for claim in rule.claims if claim.marker in diagnostic.message]
    for claim in claims:
        if claim.effect == "error":
            assert claim.text in diagnostic.message, \
                f"{rule.code} claims {claim.text!r} but its message does not quote it"
    return claims


def check(firing: list[Diagnostic], outcome: dict[str, Any]) -> str:
    """An empty string when reality matches the prediction, else what differs."""
    predicted = [claim for diagnostic in firing for claim in applicable_claims(diagnostic)]
    if firing and not any(observed(claim, outcome) for claim in predicted):
        return f"peft-lint predicts {[d.code for d in firing]} ({predicted}) but the run showed {outcome}"
    if not firing and not trains(outcome):
        return f"peft-lint predicts a clean run, but it did not train: {outcome}"
    fired = {diagnostic.code for diagnostic in firing}
    for rule in all_rules():
        if rule.code in fired:
            continue
        for claim in rule.claims:
            same = any(claim.effect == p.effect and claim.text == p.text for p in predicted)
            if not same and observed(claim, outcome):
                return f"{rule.code} stays silent, but the run shows its claim {claim}: {outcome}"
    return ""


@pytest.fixture(scope="module")
def versions() -> dict[str, str]:
    for library in LIBRARIES:
        pytest.importorskip(library)
    return installed_versions()


@pytest.mark.parametrize("rule", rules_with_runs(), ids=lambda rule: rule.code)
def test_rule_reproduction(rule: type[Rule], versions: dict[str, str]) -> None:
    failures: list[str] = []
    executed = 0
    for run in runs_of(rule):
        requirement = parse_requirement(run.get("requires", ""))
        if requirement and (requirement[0] not in versions or
                            not satisfies(versions[requirement[0]], requirement[1])):
            continue  # the run needs a library (or version) this line does not have
        firing = predict(rule, run, versions)
        outcome = execute(run)
        executed += 1
        problem = check(firing, outcome)
        if problem:
            failures.append(f"{run['case']}: {problem}")
    if not executed:
        # Every error rule must run on the CI line; other lines may lack what a run needs
        # (trl on the 4.x line, a version boundary).
        assert not on_current_line(versions), f"{rule.code}: no run applies to {versions}"
        pytest.skip(f"no run of {rule.code} applies to this line's versions")
    assert not failures, "\n".join(failures)


def on_current_line(versions: dict[str, str]) -> bool:
    """Whether the installed libraries are the pinned CI line (requirements/repro-current.txt)."""
    pins = [parse_requirement(line) for line in
            (ROOT / "requirements" / "repro-current.txt").read_text(encoding="utf-8").splitlines()]
    return all(versions.get(name) == spec[2:] for name, spec in filter(None, pins) if spec.startswith("=="))
