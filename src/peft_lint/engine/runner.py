"""The pipeline: inputs -> extract -> assemble -> rules -> diagnostics."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from peft_lint.engine.diagnostic import Diagnostic
from peft_lint.facts.model import ResolvedVersion, Span, TrainingSetup
from peft_lint.settings import Settings

if TYPE_CHECKING:  # the analysis modules load when a lint runs, not for a cache hit
    from peft_lint.engine.rule import Rule
    from peft_lint.inputs.files import ReadProblem, SourceFile
    from peft_lint.inputs.units import RunUnit


@dataclass
class LintOptions:
    world_size: int | None = None
    target_versions: dict[str, str] = field(default_factory=dict)
    settings_versions: dict[str, str] = field(default_factory=dict)
    use_installed: bool = True
    settings: Settings = field(default_factory=Settings)
    # worker processes for a folder's runs: 0 = one per available core, 1 = this process only
    jobs: int = 1
    # the result carries every setup (`explain`, callers of this API); `check` needs only the
    # findings and notes, so it lets each unit's trees and setups go, and may use workers
    keep_setups: bool = True
    # the paths are changed files: lint the runs under the current folder that they touch
    changed: bool = False


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    files: list[SourceFile]
    setups: list[TrainingSetup]
    units: int
    # the versions every run shares (of the libraries they use); each run's own are in `runs`
    environment: dict[str, ResolvedVersion]
    # what could not be determined, one line each (from the setups; kept when cached)
    notes: list[str] = field(default_factory=list)
    # each run: the files it is made of, and the versions of the libraries it uses
    runs: list[RunVersions] = field(default_factory=list)


@dataclass
class RunVersions:
    files: list[str]
    versions: dict[str, ResolvedVersion]


def lint(paths: list[Path], options: LintOptions) -> LintResult:
    import gc

    # Syntax trees are large and acyclic: the automatic collector kept re-scanning them, which
    # made parsing a folder 3x slower. Reference counting frees them; the cycles the analysis
    # makes are collected unit by unit (`_lint_unit`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint(paths, options)
    finally:
        if collecting:
            gc.enable()


def _lint(paths: list[Path], options: LintOptions) -> LintResult:
    from peft_lint.facts.project_modules import forget_modules
    from peft_lint.inputs.files import with_companions
    from peft_lint.inputs.units import units_for, units_for_changed
    from peft_lint.inputs.versions import forget_folders, resolve_versions

    forget_folders()
    forget_modules()
    # a folder linted for its findings lets each script's text go until its run is linted
    units, files = units_for_changed([path for path in paths if path.is_file()], Path.cwd(),
                                     release_texts=not options.keep_setups) if options.changed \
        else units_for(paths, release_texts=not options.keep_setups)
    jobs = min(options.jobs or available_cores(), len(units) // UNITS_PER_WORKER)
    if jobs > 1 and not options.keep_setups:
        outcomes = _in_processes(units, options, jobs)
        by_path = {file.absolute: file for file in files}
        for outcome in outcomes:  # what the workers found parsing, on this process's files
            for path, (problem, in_cells) in outcome.problems.items():
                if path not in by_path:
                    continue
                by_path[path].problem = problem
                by_path[path].cell_problems = in_cells
                by_path[path].pending_parse = False
    else:
        outcomes = _in_this_process(units, options)
    files += _module_files(units, outcomes, files)
    made = with_companions(files)
    # what cannot be read is reported for the files of a run (a broken data file or helper
    # script in a folder is not peft-lint's to report)
    in_runs = {id(made) for unit in units for file in unit.files for made in (file, *file.companions)}
    module_paths = {path for outcome in outcomes for _, path in outcome.modules}
    in_runs |= {id(file) for file in files if file.kind == "python" and file.path in module_paths}
    problems = [(file, problem) for file in made if id(file) in in_runs
                for problem in (file.problem, *file.cell_problems) if problem]
    diagnostics = [problem_diagnostic(file, problem) for file, problem in problems if not problem.note_only]
    diagnostics += [found for outcome in outcomes for found in outcome.diagnostics]
    runs = [RunVersions([file.path for file in unit.files], outcome.versions)
            for unit, outcome in zip(units, outcomes, strict=True)]
    environment = shared_versions([run.versions for run in runs]) if runs else resolve_versions(
        options.target_versions, options.settings_versions, [Path.cwd()], options.use_installed)
    selected = _selected(_unique(diagnostics), options.settings)
    # runs with facts not determined: a rule silent there may fire when they are known
    undetermined_paths = {each.path for unit, outcome in zip(units, outcomes, strict=False)
                          if outcome.notes for file in unit.files for each in (file, *file.companions)}
    final = sorted(_in_notebook_cells(_suppressed(selected, made, options.settings, undetermined_paths),
                                      made),
                   key=Diagnostic.sort_key)  # a notebook's written files' findings among its own
    _restore_shown(final, made)
    notes = [problem.message for _, problem in problems if problem.note_only]
    notes = list(dict.fromkeys(notes + [note for outcome in outcomes for note in outcome.notes]))
    return LintResult(final, files, [s for outcome in outcomes for s in outcome.setups], len(units),
                      environment, notes, runs)


def shared_versions(runs: list[dict[str, ResolvedVersion]]) -> dict[str, ResolvedVersion]:
    """The versions every run resolved alike (in the first run's order)."""
    first, *rest = runs
    return {package: resolved for package, resolved in first.items()
            if all(other.get(package) == resolved for other in rest)}


# A worker process pays for its start and imports; below this many units a folder is linted
# in one process.
UNITS_PER_WORKER = 4


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass
class UnitOutcome:
    diagnostics: list[Diagnostic]
    setups: list[TrainingSetup]
    notes: list[str]
    # the versions of the libraries the run uses (what its findings are shown with)
    versions: dict[str, ResolvedVersion]
    # the project's modules its scripts imported: (absolute path, path as shown)
    modules: list[tuple[Path, str]] = field(default_factory=list)
    # found parsing, in a worker: the file's problem and its notebook cells' problems
    problems: dict[Path, tuple[ReadProblem | None, list[ReadProblem]]] = field(default_factory=dict)


def _lint_unit(unit: RunUnit, options: LintOptions, rules: list[Rule]) -> UnitOutcome:
    import gc

    from peft_lint.facts.assemble import Options, assemble
    from peft_lint.inputs.files import ensure_parsed
    from peft_lint.inputs.versions import resolve_versions
    from peft_lint.output.undetermined import undetermined

    gc.collect(0)  # the previous unit's cycles: young objects only, cheap (see `lint`)
    for file in unit.files:
        ensure_parsed(file)
    installs = {package: pinned for file in unit.files for package, pinned in file.installs.items()}
    images = {package: pinned for file in unit.files for package, pinned in file.image_versions.items()}
    versions = resolve_versions(options.target_versions, options.settings_versions,
                                unit.directories(), options.use_installed, installs, unit.dialects(), images)
    diagnostics: list[Diagnostic] = []
    setups = assemble(unit, versions, Options(options.world_size))
    for setup in setups:
        for rule in rules:
            diagnostics.extend(rule.check(setup))
    outcome_modules = [(module.absolute, module.path) for module in unit.modules]
    diagnostics, withheld = _without_guessed_versions(diagnostics, versions)
    notes = withheld + [line for setup in setups for line in undetermined(setup)]
    if any(d.severity.value == "error" for d in diagnostics):
        from peft_lint.facts.written_for import written_for_note

        texts = [file.text for file in unit.files if file.kind == "python"]
        notes += [note for setup in setups if (note := written_for_note(setup, texts))]
    used = libraries_used(unit, setups)
    shown = {package: resolved for package, resolved in versions.items() if package in used}
    for diagnostic in diagnostics:
        diagnostic.versions = shown
    return UnitOutcome(diagnostics, setups, notes, shown, outcome_modules)


# every run is a PEFT fine-tuning run: these count always; the others when the run uses them
CORE_LIBRARIES = ("torch", "transformers", "peft")
_IMPORTS = {package: re.compile(rf"^[ \t]*(?:from|import)[ \t]+{package}\b", re.MULTILINE)
            for package in ("trl", "accelerate", "deepspeed", "bitsandbytes")}
_QUANTIZED = re.compile(r"BitsAndBytesConfig|load_in_(?:4|8)bit|bnb_4bit|_8bit\b|bitsandbytes")


def libraries_used(unit: RunUnit, setups: list[TrainingSetup]) -> frozenset[str]:
    """The libraries a run uses, read from its scripts, launchers, configs and setups; the
    versions shown for it are these (rules still see every version)."""
    texts = [file.text for file in unit.files
             if file.kind in ("python", "yaml", "json") and file.problem is None]
    used = {*CORE_LIBRARIES, *unit.dialects()}  # a front end's release pins the others (unsloth)
    used.update(package for package, pattern in _IMPORTS.items()
                if any(pattern.search(text) for text in texts))
    launchers = {command.launcher for file in unit.of_kind("shell") for command in file.launches}
    used.update(name for name in ("accelerate", "deepspeed", "trl") if name in launchers)
    # the Trainer (and every TRL trainer, and the frameworks) runs on accelerate
    kinds = [str(setup.trainer.kind.value) for setup in setups if setup.trainer.kind.known]
    if unit.configs("accelerate") or any(setup.accelerate_config is not None for setup in setups) or \
            any(kind != "custom-loop" for kind in kinds):
        used.add("accelerate")
    if any(setup.deepspeed is not None for setup in setups):
        used.add("deepspeed")
    if any(kind.startswith("trl.") for kind in kinds):
        used.add("trl")
    if any(setup.model.quantized.is_(True) for setup in setups) or \
            any(_QUANTIZED.search(text) for text in texts):
        used.add("bitsandbytes")
    return frozenset(used)


def _module_files(units: list[RunUnit], outcomes: list[UnitOutcome],
                  files: list[SourceFile]) -> list[SourceFile]:
    """The project modules the runs read, for code frames and suppressions (a worker's modules
    are read again here, without parsing)."""
    from peft_lint.inputs.files import read_source

    known = {file.absolute for file in files}
    found: list[SourceFile] = []
    in_process = {module.absolute: module for unit in units for module in unit.modules}
    for outcome in outcomes:
        for absolute, path in outcome.modules:
            if absolute not in known:
                known.add(absolute)
                found.append(in_process.get(absolute) or
                             read_source(absolute, "python", parse=False, shown=path))
    return found


def _without_guessed_versions(diagnostics: list[Diagnostic],
                              versions: dict[str, ResolvedVersion]) -> tuple[list[Diagnostic], list[str]]:
    """A finding names the library versions it was computed for; where a version is only a
    guess (installed from a git commit peft-lint cannot date), the finding is withheld and a
    note says why."""
    guessed = {package: resolved for package, resolved in versions.items()
               if resolved.source.startswith("git:")}
    if not guessed:
        return diagnostics, []
    kept: list[Diagnostic] = []
    withheld: dict[str, int] = {}
    for diagnostic in diagnostics:
        text = " ".join([diagnostic.message, diagnostic.help, *(r.message for r in diagnostic.related)])
        named = [package for package, resolved in guessed.items() if f"{package} {resolved.version}" in text]
        if named:
            for package in named:
                withheld[package] = withheld.get(package, 0) + 1
        else:
            kept.append(diagnostic)
    from peft_lint.facts.model import describe_version_source

    notes = [f"{count} finding{'s' if count != 1 else ''} that depend{'s' if count == 1 else ''} on the "
             f"{package} version {'are' if count != 1 else 'is'} not shown: {package} is "
             f"{describe_version_source(guessed[package].source)}. Pin a release to check "
             f"{'them' if count != 1 else 'it'}." for package, count in withheld.items()]
    return kept, notes


def _in_this_process(units: list[RunUnit], options: LintOptions) -> list[UnitOutcome]:
    from peft_lint.engine.registry import all_rules

    rules = [rule() for rule in all_rules()]
    last_unit = {id(file): index for index, unit in enumerate(units) for file in unit.files}
    outcomes = []
    for index, unit in enumerate(units):
        outcome = _lint_unit(unit, options, rules)
        if not options.keep_setups:
            outcome.setups = []
            _release(unit, {id(file) for file in unit.files if last_unit[id(file)] == index})
        outcomes.append(outcome)
    return outcomes


def _release(unit: RunUnit, done: set[int]) -> None:
    """Let a linted unit's syntax trees and script texts go, and the texts and values of the
    configs and launchers no later unit needs: a folder's would fill memory. A script another
    unit shares is read and parsed again when that unit needs it; a text a finding shows is
    read again at the end."""
    from peft_lint.inputs.files import release_text

    for file in unit.files:
        if not release_text(file, linted=id(file) in done) and file.tree is not None:
            file.tree = None
            file.pending_parse = True


def _restore_shown(diagnostics: list[Diagnostic], files: list[SourceFile]) -> None:
    """The texts the findings show, read again: whole for a file a fix edits; otherwise only
    the lines the findings point at (code frames and baselines read those; the others stay
    empty, so that a folder with many findings keeps its memory flat)."""
    from peft_lint.inputs.files import restore_text

    lines: dict[str, set[int]] = {}
    fixed: set[str] = set()
    for diagnostic in diagnostics:
        for span in (diagnostic.span, *(related.span for related in diagnostic.related)):
            lines.setdefault(span.path, set()).update(range(span.line, (span.end_line or span.line) + 1))
        if diagnostic.fix is not None:
            fixed.update(edit.path for edit in diagnostic.fix.edits)
            fixed.add(diagnostic.span.path)
    for file in files:
        if not (file.released and file.path in lines):
            continue
        restore_text(file)
        if file.path not in fixed:
            shown = lines[file.path]
            file.text = "".join(line if number in shown else _line_end(line)
                                for number, line in enumerate(file.text.splitlines(keepends=True), start=1))


def _line_end(line: str) -> str:
    """What ends a line, as str.splitlines counts lines."""
    return line[len(line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")):]


def _in_processes(units: list[RunUnit], options: LintOptions, jobs: int) -> list[UnitOutcome]:
    """The units linted by `jobs` worker processes, in the units' order. Workers get paths and
    read and parse the files themselves: sending syntax trees would cost what parsing does."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    stride = jobs * 4  # batches interleave the units, so big and small ones spread evenly
    described = [[(file.made_by or file.absolute, file.shown_as or file.path, file.kind, file.role)
                  for file in unit.files] for unit in units]
    batches = [described[start::stride] for start in range(stride)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        results = list(pool.map(_lint_batch, batches, [options] * len(batches)))
    outcomes: list[UnitOutcome | None] = [None] * len(units)
    for start, batch_outcomes in enumerate(results):
        for offset, outcome in enumerate(batch_outcomes):
            outcomes[start + offset * stride] = outcome
    return [outcome for outcome in outcomes if outcome is not None]


_WORKER_RULES: list[Rule] = []


def _lint_batch(batch: list[list[tuple[Path, str, str, str]]], options: LintOptions) -> list[UnitOutcome]:
    from peft_lint.engine.registry import all_rules
    from peft_lint.facts.project_modules import forget_modules
    from peft_lint.inputs.files import read_source
    from peft_lint.inputs.units import RunUnit
    from peft_lint.inputs.versions import forget_folders

    if not _WORKER_RULES:
        _WORKER_RULES.extend(rule() for rule in all_rules())
    forget_folders()
    forget_modules()
    outcomes = []
    for described in batch:
        files = []
        notebooks: dict[Path, SourceFile] = {}
        for absolute, shown, kind, role in described:
            if role:  # a file a notebook makes: read with its notebook
                notebook = notebooks.get(absolute) or read_source(absolute, "python", shown=shown)
                notebooks[absolute] = notebook
                files += [made for made in notebook.companions if made.role == role]
                continue
            files.append(read_source(absolute, kind, shown=shown))
        outcome = _lint_unit(RunUnit(files), options, _WORKER_RULES)
        outcome.problems = {file.absolute: (file.problem, file.cell_problems) for file in files
                            if (file.problem is not None or file.cell_problems) and file.kind == "python"
                            and not file.role}
        outcome.setups = []  # the parent renders findings and notes; setups stay here
        outcomes.append(outcome)
    return outcomes


def _in_notebook_cells(diagnostics: list[Diagnostic], files: list[SourceFile]) -> list[Diagnostic]:
    """Notebook locations as `cell N, line L` (the script line stays for code frames)."""
    from dataclasses import replace

    from peft_lint.engine.diagnostic import Related
    from peft_lint.inputs.files import notebook_span

    notebooks = {file.path: file for file in files if file.cells is not None}  # and the files they make
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


def _suppressed(diagnostics: list[Diagnostic], files: list[SourceFile], settings: Settings,
                undetermined_paths: set[str] | frozenset[str] = frozenset()) -> list[Diagnostic]:
    """The findings left after the files' `# peft-lint: ignore[...]` comments, plus the meta
    findings about the comments themselves."""
    from dataclasses import replace

    from peft_lint.engine.diagnostic import Severity
    from peft_lint.engine.registry import find_rule
    from peft_lint.engine.suppressions import apply_suppressions, read_suppressions
    from peft_lint.inputs.files import restore_text

    for file in files:  # a script whose text was let go is read again when it names peft-lint
        if file.released and file.mentions_peft_lint:
            restore_text(file)
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
            names = ", ".join(f"`{name}`" for name in unused)
            if suppression.path in undetermined_paths:  # the rule may fire once they are known
                kept.append(replace(unused_rule().diagnostic(
                    span, f"{names} reported nothing {where}, but some facts of this run were not "
                          "determined (see the notes), so it may still report once they are: the "
                          "suppression may be stale", help="lint the whole run (script, configs and "
                                                           "launcher together) to know"),
                    severity=Severity.INFO))
                continue
            kept.append(unused_rule().diagnostic(
                span, f"{names} reported nothing {where}: the suppression is stale",
                help="remove the unused name (or the comment)"))
    return sorted(kept, key=Diagnostic.sort_key)


def problem_diagnostic(file: SourceFile, problem: ReadProblem | None = None) -> Diagnostic:
    from peft_lint.engine.registry import find_rule

    problem = problem or file.problem
    assert problem is not None
    rule = find_rule(problem.code)
    assert rule is not None, problem.code
    span = Span(file.path, problem.line, problem.column)
    return rule().diagnostic(span, problem.message,
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
