"""SARIF output validates against the SARIF 2.1.0 JSON schema, and its `fixes` are the --fix edits.

The schema is vendored in tests/data/sarif/ (where it comes from is in the README there): the tests
run without network, and a schema change upstream cannot turn CI red overnight.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import all_cases

from peft_lint.testing import case_inputs

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests/data/sarif/sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
FIX_CASES = [case for case in all_cases() if any(case.glob("*.fixed"))]


def sarif(*arguments: str, cwd: Path = ROOT) -> dict[str, Any]:
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed",
                                "--output-format", "sarif", *arguments],
                               cwd=cwd, capture_output=True, text=True, check=False)
    assert completed.returncode in (0, 1), completed.stderr
    document: dict[str, Any] = json.loads(completed.stdout)
    return document


def schema_errors(document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in VALIDATOR.iter_errors(document)]


def test_the_vendored_schema_is_the_sarif_2_1_0_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]


def test_findings_across_the_corpus_validate() -> None:
    document = sarif("corpus")
    results = document["runs"][0]["results"]
    assert results and any("relatedLocations" in result for result in results)
    assert schema_errors(document) == []


def test_a_clean_run_validates(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("print('no training here')\n", encoding="utf-8")
    document = sarif("train.py", cwd=tmp_path)
    assert document["runs"][0]["results"] == []
    assert schema_errors(document) == []


@pytest.mark.parametrize("case", FIX_CASES, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_fixes_validate_and_produce_the_fixed_files(case: Path) -> None:
    document = sarif(*case_inputs(case), cwd=case)
    assert schema_errors(document) == []
    fixes = [fix for result in document["runs"][0]["results"] for fix in result.get("fixes", [])]
    assert fixes, "a case with a .fixed file must offer its fix in SARIF"
    replacements: dict[str, list[dict[str, Any]]] = {}
    for fix in fixes:
        for change in fix["artifactChanges"]:
            replacements.setdefault(change["artifactLocation"]["uri"], []).extend(change["replacements"])
    for uri, edits in replacements.items():
        fixed = apply_replacements((case / uri).read_text(encoding="utf-8"), edits)
        assert fixed == (case / f"{uri}.fixed").read_text(encoding="utf-8"), uri


def apply_replacements(text: str, replacements: list[dict[str, Any]]) -> str:
    """SARIF regions are 1-based lines and columns; the fix cases are ASCII, so columns are
    characters. Applied from the end so earlier offsets stay valid."""
    lines = text.splitlines(keepends=True)

    def offset(line: int, column: int) -> int:
        return sum(len(previous) for previous in lines[:line - 1]) + column - 1

    for replacement in sorted(replacements, key=lambda r: (r["deletedRegion"]["startLine"],
                                                            r["deletedRegion"]["startColumn"]),
                              reverse=True):
        region = replacement["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        text = text[:start] + replacement["insertedContent"]["text"] + text[end:]
    return text


@pytest.mark.parametrize("mutation", ["level", "start_line", "version", "rule_index"])
def test_the_validation_catches_invalid_documents(mutation: str) -> None:
    document = copy.deepcopy(sarif("examples/adalora-ddp"))
    result = document["runs"][0]["results"][0]
    if mutation == "level":
        result["level"] = "fatal"
    elif mutation == "start_line":
        result["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    elif mutation == "version":
        document["version"] = "2.2.0"
    else:
        result["ruleIndex"] = -5
    assert schema_errors(document)
