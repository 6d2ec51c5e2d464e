"""Formats for CI systems: SARIF 2.1.0 (code scanning), GitHub workflow commands, JUnit XML."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from peft_lint import __version__
from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.fixes import concrete_edits
from peft_lint.engine.runner import LintResult
from peft_lint.inputs.files import SourceFile

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _text(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.message}\nhelp: {diagnostic.help}" if diagnostic.help else diagnostic.message


def _uri(path: str) -> str:
    return Path(path).as_posix()


def _region(line: int, column: int, end_line: int | None, end_column: int | None) -> dict[str, int]:
    region = {"startLine": max(line, 1), "startColumn": max(column, 1)}
    if end_line and end_line >= line:
        region["endLine"] = end_line
        if end_column and (end_line > line or end_column > column):
            region["endColumn"] = end_column
    return region


def _sarif_fixes(diagnostic: Diagnostic, sources: dict[str, SourceFile]) -> list[dict[str, object]]:
    """The fix as SARIF `fixes` (one artifactChange per file). Regions are given in full: a
    region without endColumn would run to the end of the line and delete it."""
    if diagnostic.fix is None:
        return []
    edits = concrete_edits(diagnostic.fix, sources)
    if not edits:
        return []
    changes: dict[str, list[dict[str, object]]] = {}
    for edit in edits:
        changes.setdefault(edit.path, []).append({
            "deletedRegion": {"startLine": edit.line, "startColumn": edit.column,
                              "endLine": edit.end_line, "endColumn": edit.end_column},
            "insertedContent": {"text": edit.replacement}})
    safety = "safe" if diagnostic.fix.safe else "unsafe (applied only with --unsafe-fixes)"
    return [{"description": {"text": f"{diagnostic.fix.title} [{safety}]"},
             "artifactChanges": [{"artifactLocation": {"uri": _uri(path)}, "replacements": replacements}
                                 for path, replacements in changes.items()]}]


def render_sarif(result: LintResult) -> str:
    from peft_lint.engine.registry import all_rules

    rules = all_rules()
    index = {rule.code: position for position, rule in enumerate(rules)}
    descriptors = [{
        "id": rule.code, "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
    } for rule in rules]
    sources = {file.path: file for file in result.files}
    results = []
    for diagnostic in result.diagnostics:
        span = diagnostic.span
        entry: dict[str, object] = {
            "ruleId": diagnostic.code,
            "ruleIndex": index[diagnostic.code],
            "level": SARIF_LEVEL[diagnostic.severity],
            "message": {"text": _text(diagnostic)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(span.path)},
                "region": _region(span.line, span.column, span.end_line, span.end_column)}}],
        }
        if diagnostic.related:
            entry["relatedLocations"] = [{
                "id": number,
                "physicalLocation": {"artifactLocation": {"uri": _uri(related.span.path)},
                                     "region": _region(related.span.line, related.span.column,
                                                       None, None)},
                "message": {"text": related.message}} for number, related in enumerate(diagnostic.related)]
        fixes = _sarif_fixes(diagnostic, sources)
        if fixes:
            entry["fixes"] = fixes
        results.append(entry)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "peft-lint", "version": __version__,
                                "informationUri": "https://github.com/peft-lint/peft-lint",
                                "rules": descriptors}},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2) + "\n"


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(result: LintResult) -> str:
    """One workflow command per finding: GitHub shows them as annotations on the diff."""
    lines = []
    for diagnostic in result.diagnostics:
        span = diagnostic.span
        properties = [f"file={_github_escape(_uri(span.path), property_value=True)}",
                      f"line={span.line}", f"col={span.column}"]
        if span.end_line:
            properties.append(f"endLine={span.end_line}")
        title = _github_escape(f"{diagnostic.code} {diagnostic.name}", property_value=True)
        properties.append(f"title={title}")
        lines.append(f"::{GITHUB_COMMAND[diagnostic.severity]} {','.join(properties)}::"
                     f"{_github_escape(_text(diagnostic))}")
    if result.environment:  # what the verdicts were computed for: assumed versions change them
        from peft_lint.facts.model import describe_versions

        lines.append(f"::notice title={_github_escape('peft-lint versions', property_value=True)}::"
                     f"{_github_escape('checked for ' + describe_versions(result.environment))}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_junit(result: LintResult) -> str:
    """One test case per finding (failed), or one passing case when the run is clean."""
    from xml.sax.saxutils import escape, quoteattr  # imports urllib: ~20 ms, only for junit

    cases = []
    for diagnostic in result.diagnostics:
        span = diagnostic.span
        name = quoteattr(f"{diagnostic.code} {diagnostic.name} at {span.path}:{span.line}:{span.column}")
        cases.append(f"    <testcase classname={quoteattr(_uri(span.path))} name={name} "
                     f"file={quoteattr(_uri(span.path))} line=\"{span.line}\">\n"
                     f"      <failure type={quoteattr(diagnostic.severity.value)} "
                     f"message={quoteattr(diagnostic.message)}>{escape(_text(diagnostic))}</failure>\n"
                     "    </testcase>")
    if not cases:
        cases.append('    <testcase classname="peft-lint" name="all checks passed"/>')
    failures = len(result.diagnostics)
    tests = max(failures, 1)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="peft-lint" tests="{tests}" failures="{failures}">\n'
            f'  <testsuite name="peft-lint" tests="{tests}" failures="{failures}" errors="0">\n'
            + "\n".join(cases) + "\n  </testsuite>\n</testsuites>\n")


def render_statistics(result: LintResult) -> str:
    """Counts per rule, most frequent first, as `ruff --statistics` prints them."""
    counts = Counter((d.code, d.name, d.severity.value) for d in result.diagnostics)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    lines = [f"{count:5}  {code}  {name}  [{severity}]" for (code, name, severity), count in ordered]
    return "\n".join(lines) + ("\n" if lines else "")
