"""Applying fixes: text edits at the exact spans the rules give, so formatting and comments
outside the edited characters stay as they were.

Only fixes whose edits do not overlap are applied in one pass; a finding whose fix overlaps
an earlier one is left for the next run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from peft_lint.engine.diagnostic import AssignResult, Diagnostic, Edit, Fix, InsertArgument, ReplaceWord
from peft_lint.inputs.files import SourceFile


@dataclass
class FixResult:
    new_texts: dict[str, str]  # path -> fixed text
    fixed: list[Diagnostic]


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(text) for text in lines[: line - 1]) + column - 1


def _as_edit(edit: Edit | InsertArgument | ReplaceWord | AssignResult, text: str) -> Edit | None:
    if isinstance(edit, Edit):
        return edit
    lines = text.splitlines(keepends=True)
    if isinstance(edit, ReplaceWord):
        return _replace_word(edit, lines)
    if isinstance(edit, AssignResult):
        return _assign_result(edit, lines)
    end = _offset(lines, edit.end_line, edit.end_column) - 1  # the closing parenthesis
    if not 0 <= end < len(text) or text[end] != ")":
        return None
    before = text[:end].rstrip()
    separator = "" if before.endswith(("(", ",")) else ", "
    if before.endswith(","):
        separator = " "
    # insert right after the last argument (before any trailing whitespace or newline)
    position = len(before)
    prefix_lines = text[:position].split("\n")
    return Edit(edit.path, len(prefix_lines), len(prefix_lines[-1]) + 1, len(prefix_lines),
                len(prefix_lines[-1]) + 1, separator + edit.text)


def _replace_word(edit: ReplaceWord, lines: list[str]) -> Edit | None:
    import re

    if edit.line != edit.end_line or not 0 < edit.line <= len(lines):
        return None
    segment = lines[edit.line - 1][edit.column - 1:edit.end_column - 1]
    found = list(re.finditer(rf"\b{re.escape(edit.word)}\b", segment))
    if not found:
        return None
    start = edit.column + found[-1].start()
    return Edit(edit.path, edit.line, start, edit.line, start + len(edit.word), edit.replacement)


def _assign_result(edit: AssignResult, lines: list[str]) -> Edit | None:
    import re

    if not 0 < edit.line <= len(lines):
        return None
    line = lines[edit.line - 1]
    if line[: edit.column - 1].strip():  # the call must start its statement
        return None
    match = re.match(rf"([A-Za-z_][\w.]*)\.{re.escape(edit.method)}\(", line[edit.column - 1:])
    if match is None:
        return None
    return Edit(edit.path, edit.line, edit.column, edit.line, edit.column, f"{match.group(1)} = ")


def concrete_edits(fix: Fix, sources: dict[str, SourceFile]) -> list[Edit] | None:
    """The fix as plain text edits (path, start, end, replacement), or None where it cannot be
    placed (a file not read, a notebook, a call shaped unlike the fix expects)."""
    edits: list[Edit] = []
    for raw in fix.edits:
        source = sources.get(raw.path)
        edit = _as_edit(raw, source.text) if source is not None and source.cells is None else None
        if edit is None:
            return None
        edits.append(edit)
    return edits


def apply_fixes(diagnostics: list[Diagnostic], files: list[SourceFile], *, unsafe: bool) -> FixResult:
    sources = {file.path: file for file in files}
    taken: dict[str, list[tuple[int, int, str]]] = {}
    fixed: list[Diagnostic] = []
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if fix is None or not fix.edits or (not fix.safe and not unsafe):
            continue
        edits = concrete_edits(fix, sources)
        planned: list[tuple[str, int, int, str]] = []
        for edit in edits or []:
            lines = sources[edit.path].text.splitlines(keepends=True)
            if not all(line.isascii() for line in lines[edit.line - 1:edit.end_line]):
                planned = []  # Python columns count bytes there; leave such lines to the user
                break
            start = _offset(lines, edit.line, edit.column)
            end = _offset(lines, edit.end_line, edit.end_column)
            planned.append((edit.path, start, end, edit.replacement))
        overlaps = any((start < other_end and other_start < end) or start == other_start
                       for path, start, end, _ in planned
                       for other_start, other_end, _ in taken.get(path, []))
        if not planned or overlaps:
            continue
        for path, start, end, replacement in planned:
            taken.setdefault(path, []).append((start, end, replacement))
        fixed.append(diagnostic)
    new_texts = {}
    for path, edits in taken.items():
        text = sources[path].text
        for start, end, replacement in sorted(edits, reverse=True):
            text = text[:start] + replacement + text[end:]
        new_texts[path] = text
    return FixResult(new_texts, fixed)


def unified_diff(result: FixResult, files: list[SourceFile]) -> str:
    sources = {file.path: file for file in files}
    chunks: list[str] = []
    for path, text in sorted(result.new_texts.items()):
        chunks.extend(difflib.unified_diff(sources[path].text.splitlines(keepends=True),
                                           text.splitlines(keepends=True), f"a/{path}", f"b/{path}"))
    return "".join(chunks)
