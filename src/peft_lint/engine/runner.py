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
from peft_lint.inputs.versions import resolve_versions


@dataclass
class LintOptions:
    world_size: int | None = None
    target_versions: dict[str, str] = field(default_factory=dict)
    settings_versions: dict[str, str] = field(default_factory=dict)
    use_installed: bool = True


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    files: list[SourceFile]
    setups: list[TrainingSetup]
    units: int
    environment: dict[str, ResolvedVersion]


def lint(paths: list[Path], options: LintOptions) -> LintResult:
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
    return LintResult(_unique(diagnostics), files, setups, len(units), environment)


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
