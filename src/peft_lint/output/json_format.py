"""The JSON document: a stable contract (add fields, never rename; docs/architecture.md)."""

from __future__ import annotations

import json

from peft_lint import __version__
from peft_lint.engine.diagnostic import Diagnostic
from peft_lint.engine.fixes import concrete_edits
from peft_lint.engine.runner import LintResult
from peft_lint.facts.model import ResolvedVersion
from peft_lint.inputs.files import SourceFile


def diagnostic_object(diagnostic: Diagnostic,
                      sources: dict[str, SourceFile] | None = None) -> dict[str, object]:
    span = diagnostic.span
    fix = None
    if diagnostic.fix is not None:
        edits = concrete_edits(diagnostic.fix, sources or {})
        if edits is not None:  # a fix that cannot be placed in the file is not offered
            fix = {"safe": diagnostic.fix.safe, "title": diagnostic.fix.title,
                   "edits": [vars(edit) for edit in edits]}
    document = {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "path": span.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line or span.line,
        "end_column": span.end_column or span.column,
        "related": [{"path": r.span.path, "line": r.span.line, "column": r.span.column,
                     "message": r.message} for r in diagnostic.related],
        "help": diagnostic.help,
        "fix": fix,
        "url": diagnostic.url,
        "versions": _versions(diagnostic.versions or {}),
    }
    if span.cell is not None:
        document["cell"], document["cell_line"] = span.cell, span.cell_line
    return document


def render_json(result: LintResult) -> str:
    sources = {file.path: file for file in result.files}
    counts = {"error": 0, "warning": 0, "info": 0}
    for diagnostic in result.diagnostics:
        counts[diagnostic.severity.value] += 1
    document = {
        "peft_lint_version": __version__,
        "environment": _versions(result.environment),
        "runs": [{"files": run.files, "versions": _versions(run.versions)} for run in result.runs],
        "diagnostics": [diagnostic_object(diagnostic, sources) for diagnostic in result.diagnostics],
        "notes": result.notes,
        "summary": {"files": len(result.files), "units": result.units, "errors": counts["error"],
                    "warnings": counts["warning"], "infos": counts["info"]},
    }
    return json.dumps(document, indent=2) + "\n"


def _versions(versions: dict[str, ResolvedVersion]) -> dict[str, dict[str, str]]:
    return {package: {"version": resolved.version, "source": resolved.source}
            for package, resolved in versions.items()}
