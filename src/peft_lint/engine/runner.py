"""The pipeline: inputs -> extract -> assemble -> rules -> diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peft_lint.engine.diagnostic import Diagnostic
from peft_lint.engine.registry import all_rules, find_rule
from peft_lint.facts.assemble import Options, assemble
from peft_lint.facts.model import ResolvedVersion, Span, TrainingSetup
from peft_lint.inputs.files import SourceFile
from peft_lint.inputs.units import units_for
from peft_lint.inputs.versions import forget_folders, resolve_versions
from peft_lint.settings import Settings


@dataclass
class LintOptions:
    world_size: int | None = None
    target_versions: dict[str, str] = field(default_factory=dict)
    settings_versions: dict[str, str] = field(default_factory=dict)
    use_installed: bool = True
    settings: Settings = field(default_factory=Settings)


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    files: list[SourceFile]
    setups: list[TrainingSetup]
    units: int
    environment: dict[str, ResolvedVersion]
    # what could not be determined, one line each (from the setups; kept when cached)
    notes: list[str] = field(default_factory=list)


def lint(paths: list[Path], options: LintOptions) -> LintResult:
    forget_folders()
    units, files = units_for(paths)
    diagnostics: list[Diagnostic] = [problem_diagnostic(file) for file in files if file.problem]
    setups: list[TrainingSetup] = []
    environment: dict[str, ResolvedVersion] = {}
    rules = [rule() for rule in all_rules()]
    for unit in units:
        versions = resolve_versions(options.target_versions, options.settings_versions,
                                    unit.directories(), options.use_installed)
        environment = environment or versions
        for setup in assemble(unit, versions, Options(options.world_size)):
            setups.append(setup)
            for rule in rules:
                diagnostics.extend(rule.check(setup))
    if not environment:
        environment = resolve_versions(options.target_versions, options.settings_versions,
                                       [Path.cwd()], options.use_installed)
    selected = _selected(_unique(diagnostics), options.settings)
    final = _in_notebook_cells(_suppressed(selected, files, options.settings), files)
    from peft_lint.output.undetermined import undetermined

    notes = list(dict.fromkeys(line for setup in setups for line in undetermined(setup)))
    return LintResult(final, files, setups, len(units), environment, notes)


def _in_notebook_cells(diagnostics: list[Diagnostic], files: list[SourceFile]) -> list[Diagnostic]:
    """Notebook locations as `cell N, line L` (the script line stays for code frames)."""
    from dataclasses import replace

    from peft_lint.engine.diagnostic import Related
    from peft_lint.inputs.files import notebook_span

    notebooks = {file.path: file for file in files if file.cells is not None}
    if not notebooks:
        return diagnostics

    def located(span: Span) -> Span:
        return notebook_span(span, notebooks[span.path]) if span.path in notebooks else span

    return [replace(d, span=located(d.span),
                    related=[Related(located(r.span), r.message) for r in d.related]) for d in diagnostics]


def _selected(diagnostics: list[Diagnostic], settings: Settings) -> list[Diagnostic]:
    """The findings of the rules the settings select for each file, at their severity."""
    from dataclasses import replace

    from peft_lint.engine.diagnostic import Severity

    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        if not settings.enabled(diagnostic.code, diagnostic.name, diagnostic.span.path):
            continue
        level = settings.severity_of(diagnostic.code, diagnostic.name)
        kept.append(replace(diagnostic, severity=Severity(level)) if level else diagnostic)
    return kept


def _suppressed(diagnostics: list[Diagnostic], files: list[SourceFile],
                settings: Settings) -> list[Diagnostic]:
    """The findings left after the files' `# peft-lint: ignore[...]` comments, plus the meta
    findings about the comments themselves."""
    from peft_lint.engine.suppressions import apply_suppressions, read_suppressions

    suppressions = [found for file in files for found in read_suppressions(file)]
    if not suppressions:
        return diagnostics
    kept = apply_suppressions(diagnostics, suppressions)
    unknown_rule, unused_rule = find_rule("PFT905"), find_rule("PFT904")
    assert unknown_rule is not None and unused_rule is not None
    for suppression in suppressions:
        span = Span(suppression.path, suppression.line, suppression.column)
        unknown = [name for name in suppression.names if find_rule(name) is None]
        reports_unknown = settings.enabled(unknown_rule.code, unknown_rule.name, suppression.path)
        if (unknown or not suppression.names) and reports_unknown:
            listed = ", ".join(f"`{name}`" for name in unknown) or "no rule"
            kept.append(unknown_rule().diagnostic(
                span, f"this suppression names {listed}: peft-lint has no such rule, so it suppresses "
                      "nothing", help="name rules by code or name, as `peft-lint rules` lists them: "
                                      "# peft-lint: ignore[PFT101] reason"))
        unused = [name for name in suppression.names
                  if (rule := find_rule(name)) is not None and name not in suppression.used
                  and settings.enabled(rule.code, rule.name, suppression.path)]
        if unused and settings.enabled(unused_rule.code, unused_rule.name, suppression.path):
            where = "in this file" if suppression.applies_to is None else f"on line {suppression.applies_to}"
            kept.append(unused_rule().diagnostic(
                span, f"{', '.join(f'`{name}`' for name in unused)} reported nothing {where}: the "
                      "suppression is stale", help="remove the unused name (or the comment)"))
    return sorted(kept, key=Diagnostic.sort_key)


def problem_diagnostic(file: SourceFile) -> Diagnostic:
    assert file.problem is not None
    rule = find_rule(file.problem.code)
    assert rule is not None, file.problem.code
    span = Span(file.path, file.problem.line, file.problem.column)
    return rule().diagnostic(span, file.problem.message,
                             help="fix the file; the other files of the run were still checked")


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, int, int]] = set()
    unique: list[Diagnostic] = []
    for diagnostic in sorted(diagnostics, key=Diagnostic.sort_key):
        key = (diagnostic.code, diagnostic.span.path, diagnostic.span.line, diagnostic.span.column)
        if key not in seen:
            seen.add(key)
            unique.append(diagnostic)
    return unique
