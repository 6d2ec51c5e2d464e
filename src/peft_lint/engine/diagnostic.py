"""Diagnostics: what a rule reports, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from peft_lint.facts.model import ResolvedVersion, Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, repr=False)
class Related:
    span: Span
    message: str


@dataclass(frozen=True, repr=False)
class Edit:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str


@dataclass(frozen=True, repr=False)
class InsertArgument:
    """Add `text` (a keyword argument) as the last argument of the call that `span` covers;
    resolved against the file text when the fix is applied (commas, empty calls)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True, repr=False)
class ReplaceWord:
    """Replace the last whole-word `word` inside the span (e.g. the `true` of a YAML
    `use_reentrant: true` entry) with `replacement`; resolved against the file text."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    word: str
    replacement: str


@dataclass(frozen=True, repr=False)
class AssignResult:
    """Turn the expression statement `receiver.method(...)` that the span covers into
    `receiver = receiver.method(...)`; resolved against the file text (a plain dotted receiver
    that starts its line only)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    method: str


@dataclass(frozen=True, repr=False)
class InsertLine:
    """Add `text` as a new YAML line: below `line` with that line's indentation, when `line`
    holds a one-line `key: value` entry; or, with `line` 0, as a top-level key at the end of
    the file. Resolved against the file text (refused for flow or multi-document YAML)."""

    path: str
    line: int
    text: str


@dataclass(frozen=True, repr=False)
class MoveCallBefore:
    """Move the statement that calls `function` on line `line` (with the comment lines right
    above it) to just before the statement that calls `before_function` on line `before_line`.
    Resolved against the file's syntax tree, and refused unless both are plain statements of
    one block that pass the same model name first and nothing between them rebinds a name the
    moved statement reads."""

    path: str
    line: int
    function: str
    before_line: int
    before_function: str


DeferredEdit = Edit | InsertArgument | ReplaceWord | AssignResult | InsertLine | MoveCallBefore


@dataclass(frozen=True, repr=False)
class Fix:
    title: str
    safe: bool
    edits: tuple[DeferredEdit, ...] = ()


@dataclass(repr=False)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    related: list[Related] = field(default_factory=list)
    help: str = ""
    fix: Fix | None = None
    url: str = ""
    # the library versions of the run it was computed for (the libraries that run uses)
    versions: dict[str, ResolvedVersion] | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.path, self.span.line, self.span.column, self.code)
