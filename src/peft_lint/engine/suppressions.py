"""`# peft-lint: ignore[...]` comments: reading them and applying them to diagnostics.

A suppression names rules by code (`PFT101`) or name (`adalora-reentrant-gc-ddp`); text
after the closing bracket is the reason. It applies to its own line when it trails code, to
the next line when it stands alone, and to the whole file as `ignore-file[...]`. It works in
every file of a run (Python, YAML, TOML, shell), at the primary location of a finding or at
any of its related locations: a finding that spans a script and a YAML can be silenced in
the file the user owns.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from peft_lint.engine.diagnostic import Diagnostic
from peft_lint.engine.registry import find_rule
from peft_lint.inputs.files import SourceFile

MARKER = re.compile(r"#\s*peft-lint\s*:\s*(?P<kind>ignore-file|ignore)\b\s*(?:\[(?P<names>[^\]]*)\])?")


@dataclass
class Suppression:
    path: str
    line: int  # the line of the comment
    column: int
    applies_to: int | None  # the suppressed line; None for the whole file
    names: list[str]
    used: set[str] = field(default_factory=set)


def read_suppressions(file: SourceFile) -> list[Suppression]:
    if MARKER.search(file.text) is None:  # no suppression anywhere: spares a tokenize
        return []
    if file.kind == "python":
        comments = _python_comments(file.text)
    elif file.kind in ("yaml", "shell", "pyproject", "requirements", "toml"):
        comments = _hash_comments(file.text)
    else:
        return []  # JSON has no comments
    found: list[Suppression] = []
    for line, column, text, alone in comments:
        match = MARKER.match(text)
        if match is None:
            continue
        names = [name.strip() for name in (match.group("names") or "").split(",") if name.strip()]
        if match.group("kind") == "ignore-file":
            target: int | None = None
        else:
            target = line + 1 if alone else line
        found.append(Suppression(file.path, line, column, target, names))
    return found


def _python_comments(text: str) -> list[tuple[int, int, str, bool]]:
    """(line, column, comment, stands alone on its line) of every real comment."""
    comments: list[tuple[int, int, str, bool]] = []
    lines = text.splitlines()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                line, column = token.start
                before = lines[line - 1][:column] if line - 1 < len(lines) else ""
                comments.append((line, column + 1, token.string, not before.strip()))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return _hash_comments(text)
    return comments


def _hash_comments(text: str) -> list[tuple[int, int, str, bool]]:
    """Comments of YAML, TOML and shell files: `#` at the start or after whitespace."""
    comments: list[tuple[int, int, str, bool]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in re.finditer(r"(?:^|\s)(#\s*peft-lint\b.*)$", line):
            column = match.start(1)
            comments.append((number, column + 1, match.group(1), not line[:column].strip()))
            break
    return comments


def apply_suppressions(diagnostics: list[Diagnostic], suppressions: list[Suppression]) -> list[Diagnostic]:
    """The diagnostics no suppression covers; marks the names each suppression used."""
    by_path: dict[str, list[Suppression]] = {}
    for suppression in suppressions:
        by_path.setdefault(suppression.path, []).append(suppression)
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        locations = [(diagnostic.span.path, diagnostic.span.line)] + \
            [(related.span.path, related.span.line) for related in diagnostic.related]
        covering = [(suppression, name) for path, line in locations for suppression in by_path.get(path, [])
                    if suppression.applies_to in (None, line)
                    for name in suppression.names if _names(name, diagnostic)]
        for suppression, name in covering:
            suppression.used.add(name)
        if not covering:
            kept.append(diagnostic)
    return kept


def _names(name: str, diagnostic: Diagnostic) -> bool:
    rule = find_rule(name)  # the same code-or-name lookup as `peft-lint rule`
    return rule is not None and rule.code == diagnostic.code
