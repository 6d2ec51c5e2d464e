"""Baselines: record today's findings once, then report only new ones.

A finding is keyed by rule, file and a fingerprint of the source line it points at (its text
with whitespace collapsed, plus which occurrence of that text it is), not by line number, so
edits elsewhere in the file do not bring baselined findings back.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from peft_lint.engine.diagnostic import Diagnostic
from peft_lint.inputs.files import SourceFile

FORMAT = "peft-lint-baseline/1"


class BaselineError(ValueError):
    pass


def fingerprints(diagnostics: list[Diagnostic], files: list[SourceFile]) -> list[str]:
    """One key per diagnostic, in order; equal findings on equal lines get distinct keys."""
    sources = {file.path: file for file in files}
    seen: Counter[str] = Counter()
    keys = []
    for diagnostic in diagnostics:
        span = diagnostic.span
        file = sources.get(span.path)
        lines = file.lines if file is not None else []
        text = " ".join(lines[span.line - 1].split()) if 0 < span.line <= len(lines) else ""
        base = f"{diagnostic.code}|{Path(span.path).as_posix()}|{text}"
        seen[base] += 1
        keys.append(hashlib.sha256(f"{base}|{seen[base]}".encode()).hexdigest()[:24])
    return keys


def write_baseline(path: Path, diagnostics: list[Diagnostic], files: list[SourceFile]) -> None:
    entries = [{"code": d.code, "path": Path(d.span.path).as_posix(), "fingerprint": key}
               for d, key in zip(diagnostics, fingerprints(diagnostics, files), strict=True)]
    path.write_text(json.dumps({"format": FORMAT, "findings": entries}, indent=2) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> set[str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BaselineError(f"cannot read baseline {path}: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BaselineError(f"{path} is not a peft-lint baseline (write one with --write-baseline)")
    return {entry["fingerprint"] for entry in document.get("findings", [])
            if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str)}


def without_baselined(diagnostics: list[Diagnostic], files: list[SourceFile],
                      known: set[str]) -> list[Diagnostic]:
    keys = fingerprints(diagnostics, files)
    return [diagnostic for diagnostic, key in zip(diagnostics, keys, strict=True) if key not in known]
