"""Applying fixes: text edits at the exact spans the rules give, so formatting and comments
outside the edited characters stay as they were.

Only fixes whose edits do not overlap are applied in one pass; a finding whose fix overlaps
an earlier one is left for the next run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from peft_lint.engine.diagnostic import (
    AssignResult,
    DeferredEdit,
    Diagnostic,
    Edit,
    Fix,
    InsertLine,
    MoveCallBefore,
    ReplaceWord,
)
from peft_lint.inputs.files import SourceFile


@dataclass
class FixResult:
    new_texts: dict[str, str]  # path -> fixed text
    fixed: list[Diagnostic]


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(text) for text in lines[: line - 1]) + column - 1


def _as_edit(edit: DeferredEdit, text: str) -> Edit | None:
    if isinstance(edit, Edit):
        return edit
    lines = text.splitlines(keepends=True)
    if isinstance(edit, ReplaceWord):
        return _replace_word(edit, lines)
    if isinstance(edit, AssignResult):
        return _assign_result(edit, lines)
    if isinstance(edit, InsertLine):
        return _insert_line(edit, lines)
    if isinstance(edit, MoveCallBefore):
        from peft_lint.engine.statement_moves import move_call_before

        return move_call_before(edit, text, lines)
    end = _offset(lines, edit.end_line, edit.end_column) - 1  # the closing parenthesis
    if not 0 <= end < len(text) or text[end] != ")":
        return None
    last = _last_code_before(text, lines, end)
    if last is None:
        return None
    before = text[:last]
    prefix_lines = before.split("\n")
    line, column = len(prefix_lines), len(prefix_lines[-1]) + 1
    if before.endswith("("):
        insertion = edit.text
    elif "\n" not in text[last:end]:  # the call closes on the line of its last argument
        insertion = (" " if before.endswith(",") else ", ") + edit.text
    else:  # one argument a line: a new line with the last argument's indentation
        indent = prefix_lines[-1][: len(prefix_lines[-1]) - len(prefix_lines[-1].lstrip())]
        insertion = f"\n{indent}{edit.text}," if before.endswith(",") else f",\n{indent}{edit.text}"
    return Edit(edit.path, line, column, line, column, insertion)


def _last_code_before(text: str, lines: list[str], end: int) -> int | None:
    """The offset just after the last token before `end` that is not a comment or a line
    break (so an insertion never lands inside a trailing comment)."""
    import io
    import tokenize

    ignored = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    found: int | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            offset = _offset(lines, token.end[0], token.end[1] + 1)
            if offset > end:
                break
            if token.type not in ignored:
                found = offset
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


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


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _insert_line(edit: InsertLine, lines: list[str]) -> Edit | None:
    import re

    content = [line for line in lines if _is_content(line)]
    if not content or content[0].lstrip().startswith(("{", "[")) or \
            any(line.rstrip() in ("---", "...") for line in content[1:]) or "\t" in "".join(lines):
        return None  # flow style, several documents or tabs: not a plain block mapping
    if edit.line == 0:
        ending = "" if lines[-1].endswith("\n") else "\n"
        return Edit(edit.path, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 1,
                    f"{ending}{edit.text}\n")
    if not 0 < edit.line <= len(lines):
        return None
    line = lines[edit.line - 1]
    # a one-line `key: scalar` entry; the value must not open a block, a flow or an anchor
    if not re.match(r"\s*[\w.\"'-]+\s*:\s+[^\s{\[|>&*!#]", line):
        return None
    below = next((other for other in lines[edit.line:] if _is_content(other)), None)
    if below is not None and _indent(below) > _indent(line):
        return None  # the value continues on the next lines
    indent = " " * _indent(line)
    if not line.endswith("\n"):
        return Edit(edit.path, edit.line, len(line) + 1, edit.line, len(line) + 1,
                    f"\n{indent}{edit.text}")
    return Edit(edit.path, edit.line + 1, 1, edit.line + 1, 1, f"{indent}{edit.text}\n")


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
