"""The CI output formats (SARIF, GitHub, JUnit), --output-file and --statistics, via the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples/adalora-ddp"


def cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", *arguments],
                          cwd=ROOT, capture_output=True, text=True, check=False)


def json_diagnostics(target: str) -> list[dict[str, object]]:
    return json.loads(cli("--output-format", "json", target).stdout)["diagnostics"]


def test_sarif_results_match_the_json_findings() -> None:
    completed = cli("--output-format", "sarif", "corpus")
    document = json.loads(completed.stdout)
    assert document["version"] == "2.1.0" and completed.returncode == 1
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    expected = json_diagnostics("corpus")
    assert len(run["results"]) == len(expected) > 0
    for result, diagnostic in zip(run["results"], expected, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == diagnostic["code"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == diagnostic["line"] >= 1
        assert result["level"] in ("error", "warning", "note")


def test_github_annotations_escape_newlines() -> None:
    lines = cli("--output-format", "github", EXAMPLE).stdout.splitlines()
    assert len(lines) == len(json_diagnostics(EXAMPLE)) + 1 == 2  # the findings, then the versions
    assert lines[0].startswith("::error file=examples/adalora-ddp/train.py,line=42,")
    assert "%0Ahelp:" in lines[0] and "\n" not in lines[0]
    assert lines[1].startswith("::notice title=peft-lint versions::checked for torch ")


def test_junit_is_xml_with_one_failure_per_finding() -> None:
    root = ElementTree.fromstring(cli("--output-format", "junit", "corpus").stdout)
    failures = root.findall(".//testcase/failure")
    assert len(failures) == len(json_diagnostics("corpus")) == int(root.attrib["failures"])


def test_output_file_and_statistics(tmp_path: Path) -> None:
    report = tmp_path / "report.sarif"
    completed = cli("--output-format", "sarif", "--output-file", str(report), EXAMPLE)
    assert completed.stdout == "" and completed.returncode == 1
    assert json.loads(report.read_text(encoding="utf-8"))["runs"][0]["results"]
    statistics = cli("--statistics", "corpus").stdout.splitlines()
    counts = [int(line.split()[0]) for line in statistics]
    assert sum(counts) == len(json_diagnostics("corpus"))
    assert counts == sorted(counts, reverse=True) and any("PFT103" in line for line in statistics)


def test_full_report_in_a_file_has_no_colour(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    subprocess.run([sys.executable, "-m", "peft_lint", "--output-file", str(report), EXAMPLE],
                   cwd=ROOT, env={"FORCE_COLOR": "1", "PATH": "", "PEFT_LINT_NO_CACHE": "1"},
                   capture_output=True, check=False)
    assert "\x1b[" not in report.read_text(encoding="utf-8")


def test_json_report_follows_its_shipped_schema() -> None:
    """The shipped schemas are generated from their pydantic models, and real reports (fixes,
    related locations and notebook cells included) validate against the output schema."""
    import jsonschema

    checked = subprocess.run([sys.executable, "scripts/gen_schemas.py", "--check"], cwd=ROOT,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
    schema = json.loads((ROOT / "schemas" / "output.schema.json").read_text(encoding="utf-8"))
    for target in ("corpus", "rules/pft602_peft_from_pretrained_not_trainable/cases/resume_frozen",
                   "rules/pft105_prepare_kbit_implicit_reentrant/cases/qlora_notebook_one_process"):
        report = json.loads(cli("--output-format", "json", target).stdout)
        jsonschema.validate(report, schema)
    report["diagnostics"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema)
