"""The `full` and `concise` formats."""

from __future__ import annotations

import os
import sys
import textwrap
from typing import TextIO

from peft_lint.engine.diagnostic import Diagnostic
from peft_lint.engine.runner import LintResult
from peft_lint.facts.model import ResolvedVersion, Span, describe_versions
from peft_lint.inputs.files import SourceFile

WIDTH = 96


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def render_full(result: LintResult, stream: TextIO | None = None, *, colour: bool | None = None) -> str:
    style = Style(use_colour(stream or sys.stdout) if colour is None else colour)
    sources = {file.path: file for file in result.files}
    blocks = [_full_diagnostic(diagnostic, sources, style, result.environment)
              for diagnostic in result.diagnostics]
    notes = result.notes
    tail = [_versions_line(result)]
    if notes:
        tail += [textwrap.fill(line, WIDTH, initial_indent="note: ", subsequent_indent="      ",
                               break_on_hyphens=False, break_long_words=False)
                 for line in dict.fromkeys(notes)]
    tail.append(_summary(result, style))
    return "\n\n".join([*blocks, "\n".join(tail)]) + "\n"


def _full_diagnostic(diagnostic: Diagnostic, sources: dict[str, SourceFile], style: Style,
                     shared: dict[str, ResolvedVersion]) -> str:
    colour = {"error": "1;31", "warning": "1;33", "info": "1;36"}[diagnostic.severity.value]
    span = diagnostic.span
    lines = [f"{style(f'{span.position()}:', '1')} "
             f"{style(diagnostic.code, colour)} [{diagnostic.severity.value}] {diagnostic.name}"]
    lines += textwrap.wrap(diagnostic.message, WIDTH, initial_indent="   ", subsequent_indent="   ")
    lines += _frame(span, sources)
    for related in diagnostic.related:
        lines.append(f"  {related.span.label()}: {_source_line(related.span, sources)}"
                     f"  ({related.message})".rstrip())
    if diagnostic.help:
        lines += textwrap.wrap(diagnostic.help, WIDTH, initial_indent="  help: ",
                               subsequent_indent="        ")
    own = {package: resolved for package, resolved in (diagnostic.versions or {}).items()
           if shared.get(package) != resolved}
    if own:  # its run's versions where they are not the footer's
        lines += textwrap.wrap(describe_versions(own), WIDTH, initial_indent="  versions: ",
                               subsequent_indent="            ", break_on_hyphens=False)
    return "\n".join(lines)


def _source_line(span: Span, sources: dict[str, SourceFile]) -> str:
    source = sources.get(span.path)
    if source is None or not 0 < span.line <= len(source.lines):
        return ""
    line = source.lines[span.line - 1].strip()
    return line if len(line) <= FRAME_WIDTH else line[:FRAME_WIDTH] + "…"


# A code frame shows at most this many characters of a line (minified or generated lines
# would otherwise print megabytes), a window around the finding's column.
FRAME_WIDTH = 160


def _frame(span: Span, sources: dict[str, SourceFile]) -> list[str]:
    source = sources.get(span.path)
    if source is None or not 0 < span.line <= len(source.lines):
        return []
    text = source.lines[span.line - 1].expandtabs(4).rstrip()
    number = str(span.cell_line if span.cell is not None else span.line)
    gutter = " " * len(number)
    start = max(span.column - 1, 0)
    if span.end_line == span.line and span.end_column and span.end_column > span.column:
        end = span.end_column - 1
    else:
        end = len(text)
    end = min(end, len(text))
    if len(text) > FRAME_WIDTH:
        left = min(max(start - 20, 0), len(text) - FRAME_WIDTH)
        text = ("…" if left else "") + text[left:left + FRAME_WIDTH] + \
            ("…" if left + FRAME_WIDTH < len(text) else "")
        shift = left - (1 if left else 0)
        start, end = start - shift, min(end - shift, FRAME_WIDTH + (1 if left else 0))
    width = max(end - start, 1)
    return [f"  {number} | {text}", f"  {gutter} | {' ' * start}{'^' * width}"]


def _versions_line(result: LintResult) -> str:
    differ = any(run.versions != result.environment for run in result.runs)
    if differ and not result.environment:
        return "versions: they differ between the runs; each finding names its run's"
    label = "versions (every run; a finding names its run's others)" if differ else "versions"
    return f"{label}: {describe_versions(result.environment)}"




def _summary(result: LintResult, style: Style) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for diagnostic in result.diagnostics:
        counts[diagnostic.severity.value] += 1
    scope = f"{len(result.files)} file{'s' if len(result.files) != 1 else ''}, " \
            f"{result.units} run unit{'s' if result.units != 1 else ''}"
    if not result.diagnostics:
        return style(f"All checks passed ({scope}).", "1;32")
    found = ", ".join(f"{count} {kind}{'s' if count != 1 else ''}"
                      for kind, count in counts.items() if count)
    return style(f"Found {found} ({scope}).", "1")


def render_concise(result: LintResult) -> str:
    lines = [f"{d.span.position()}: {d.code} [{d.severity.value}] "
             f"{d.name}: {d.message}" for d in result.diagnostics]
    return "\n".join(lines) + ("\n" if lines else "")
