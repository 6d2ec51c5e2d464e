"""Command line: `peft-lint [check] PATHS...`, `peft-lint rules`, `peft-lint rule CODE|NAME`."""

from __future__ import annotations

import sys

from peft_lint import __version__

TYPE_CHECKING = False  # typing itself costs 5 ms to import, and --version needs none of it

if TYPE_CHECKING:  # at run time each command imports what it needs: --version imports nothing
    import argparse
    from collections.abc import Sequence
    from pathlib import Path

    from peft_lint.engine.rule import Rule
    from peft_lint.engine.runner import LintResult
    from peft_lint.settings import Settings

SUBCOMMANDS = ("check", "rules", "rule", "config", "explain")
ISSUES_URL = "https://github.com/peft-lint/peft-lint/issues"
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    pass


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; with `command`, only that subcommand's parser is built (a run
    pays for one, not five)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="peft-lint",
        description="Static preflight checks for PEFT fine-tuning runs: a training script, its "
                    "configs and its launcher, read without running them.")
    parser.add_argument("--version", action="version", version=f"peft-lint {__version__}")
    commands = parser.add_subparsers(dest="command")
    builders = {"check": _add_check, "explain": _add_explain, "config": _add_config,
                "rules": _add_rules, "rule": _add_rule}
    for name, add in builders.items():
        if command is None or name == command:
            add(commands)
    return parser


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pathlib import Path

    check = commands.add_parser("check", help="lint a run (the default command)")
    check.add_argument("paths", nargs="*", type=Path,
                       help="files of one run (script, configs, launcher) or folders to scan")
    check.add_argument("--output-format", default="full",
                       choices=("full", "concise", "json", "sarif", "github", "junit"))
    check.add_argument("--output-file", type=Path, metavar="FILE",
                       help="write the report to FILE instead of standard output")
    check.add_argument("--statistics", action="store_true",
                       help="print the number of findings per rule instead of the findings")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes to the files")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of applying them")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply (or show) fixes that need review")
    check.add_argument("--write-baseline", type=Path, metavar="FILE",
                       help="record the current findings in FILE and exit 0")
    check.add_argument("--baseline", type=Path, metavar="FILE",
                       help="report only findings not recorded in FILE")
    check.add_argument("--world-size", type=int, metavar="N",
                       help="number of training processes, where no launcher says it")
    check.add_argument("--target-version", action="append", default=[], metavar="PKG==VER",
                       help="library version to assume, e.g. transformers==4.57.6 (repeatable)")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                       help="lowest severity that makes the exit code 1 (default: error)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                       help="worker processes for a folder's runs (default: one per core; 1: none)")
    check.add_argument("--no-cache", action="store_true",
                       help="lint everything afresh: neither read nor write .peft_lint_cache/")
    check.add_argument("--ignore-installed", action="store_true",
                       help="do not read the versions of installed packages")
    for flag, text in (("--select", "rules to report, replacing the settings' select"),
                       ("--extend-select", "rules to report in addition"),
                       ("--ignore", "rules not to report")):
        check.add_argument(flag, type=_selector_list, default=None, metavar="RULES",
                           help=f"{text}: comma-separated codes, names or code prefixes (PFT3)")


def _add_explain(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pathlib import Path

    explain = commands.add_parser("explain", help="show the training setup as peft-lint resolved it")
    explain.add_argument("paths", nargs="*", type=Path, help="files of one run, or folders")
    explain.add_argument("--output-format", choices=("full", "json"), default="full")
    explain.add_argument("--world-size", type=int, metavar="N",
                         help="number of training processes, where no launcher says it")
    explain.add_argument("--target-version", action="append", default=[], metavar="PKG==VER",
                         help="library version to assume (repeatable)")
    explain.add_argument("--ignore-installed", action="store_true",
                         help="do not read the versions of installed packages")


def _add_config(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pathlib import Path

    config = commands.add_parser("config", help="show the settings peft-lint uses here")
    config.add_argument("--show-settings", action="store_true", help="print the resolved settings")
    config.add_argument("--schema", action="store_true",
                        help="print the JSON schema of the settings instead")
    config.add_argument("path", nargs="?", type=Path, default=Path.cwd(),
                        help="where to look for the settings (default: the current folder)")


def _add_rules(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--output-format", choices=("full", "json"), default="full")


def _add_rule(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rule = commands.add_parser("rule", help="show a rule's documentation")
    rule.add_argument("rule", help="code or name, e.g. PFT101 or adalora-reentrant-gc-ddp")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--version"]:  # answered before argparse is even imported
        print(f"peft-lint {__version__}")
        return EXIT_CLEAN
    if not arguments or (arguments[0] not in SUBCOMMANDS and arguments[0] not in
                         ("-h", "--help", "--version")):
        arguments = ["check", *arguments]
    parser = build_parser(arguments[0] if arguments[0] in SUBCOMMANDS else None)
    try:
        options = parser.parse_args(arguments)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code not in (0, None) else EXIT_CLEAN
    try:
        code = _run_command(options)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except UsageError as error:
        print(f"peft-lint: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `peft-lint ... | head`: the reader left; stop quietly, as a shell tool does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # noqa: BLE001 - never show a traceback to the user
        print(f"peft-lint: internal error ({type(error).__name__}: {error}); please report it at "
              f"{ISSUES_URL} with the files that caused it", file=sys.stderr)
        return EXIT_INTERNAL


def _run_command(options: argparse.Namespace) -> int:
    if options.command == "rules":
        return _rules(options.output_format)
    if options.command == "rule":
        return _rule(options.rule)
    if options.command == "config":
        return _config(options.path, schema=options.schema)
    if options.command == "explain":
        return _explain(options)
    return _check(options)


def _check(options: argparse.Namespace) -> int:
    from peft_lint.engine.diagnostic import Severity

    result = _lint(options)
    if options.write_baseline is not None:
        from peft_lint.engine.baseline import write_baseline

        write_baseline(options.write_baseline, result.diagnostics, result.files)
        print(f"wrote {len(result.diagnostics)} finding(s) to {options.write_baseline}")
        return EXIT_CLEAN
    if options.fix or options.diff:
        return _fix(options, result)
    if options.baseline is not None:
        from peft_lint.engine.baseline import BaselineError, read_baseline, without_baselined

        try:
            known = read_baseline(options.baseline)
        except BaselineError as error:
            raise UsageError(str(error)) from None
        result.diagnostics = without_baselined(result.diagnostics, result.files, known)
    report = _render(result, "statistics" if options.statistics else options.output_format,
                     to_terminal=options.output_file is None)
    if options.output_file is None:
        sys.stdout.write(report)
    else:
        try:
            options.output_file.write_text(report, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write {options.output_file}: {error.strerror}") from None
    threshold = Severity(options.fail_on).rank
    failing = any(diagnostic.severity.rank >= threshold for diagnostic in result.diagnostics)
    return EXIT_FINDINGS if failing and not options.exit_zero else EXIT_CLEAN


def _fix(options: argparse.Namespace, result: LintResult) -> int:
    """--diff prints the edits; --fix writes them, then reports what is left."""
    from peft_lint.engine.fixes import apply_fixes, unified_diff

    fixes = apply_fixes(result.diagnostics, result.files, unsafe=options.unsafe_fixes)
    if options.diff:
        sys.stdout.write(unified_diff(fixes, result.files))
        print(f"{len(fixes.fixed)} fix(es) available", file=sys.stderr)
        return EXIT_FINDINGS if fixes.fixed else EXIT_CLEAN
    by_path = {file.path: file for file in result.files}
    for path, text in fixes.new_texts.items():
        by_path[path].absolute.write_text(text, encoding="utf-8")
    print(f"fixed {len(fixes.fixed)} finding(s) in {len(fixes.new_texts)} file(s)", file=sys.stderr)
    options.fix = False
    return _check(options)


def _lint(options: argparse.Namespace) -> LintResult:
    """Lint the paths with the settings and the run options of `check` / `explain`."""
    import os

    from peft_lint.engine.runner import LintOptions, lint
    from peft_lint.inputs.versions import VersionError, parse_target
    from peft_lint.settings import SettingsError, find_settings

    if not options.paths:
        raise UsageError("no files given; try `peft-lint train.py config.yaml launch.sh`")
    if getattr(options, "jobs", 0) < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    if options.world_size is not None and options.world_size < 1:
        raise UsageError("--world-size must be at least 1")
    try:
        targets = dict(parse_target(text) for text in options.target_version)
    except VersionError as error:
        raise UsageError(str(error)) from None
    try:
        from pathlib import Path

        settings = find_settings(options.paths[0] if options.paths[0].exists() else Path.cwd())
    except SettingsError as error:
        raise UsageError(str(error)) from None
    if options.command == "check":
        _apply_rule_flags(settings, options)
    lint_options = LintOptions(options.world_size, targets, settings.target_versions,
                               not options.ignore_installed, settings,
                               jobs=getattr(options, "jobs", 1), keep_setups=options.command != "check")
    no_cache = getattr(options, "no_cache", True) or os.environ.get("PEFT_LINT_NO_CACHE", "") not in ("", "0")
    if options.command == "check" and not (no_cache or options.fix or options.diff):
        from peft_lint.engine.cache import cached_lint

        return cached_lint(options.paths, lint_options)
    return lint(options.paths, lint_options)


def _explain(options: argparse.Namespace) -> int:
    from peft_lint.output.explain import render_explain, render_explain_json

    result = _lint(options)
    sys.stdout.write(render_explain_json(result) if options.output_format == "json"
                     else render_explain(result))
    return EXIT_CLEAN


def _selector_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _apply_rule_flags(settings: Settings, options: argparse.Namespace) -> None:
    """Command-line rule selection over the settings file's, as ruff does."""
    from peft_lint.settings import SettingsError, check_selectors

    try:
        for key in ("select", "extend_select", "ignore"):
            given = getattr(options, key)
            if given is None:
                continue
            check_selectors(f"--{key.replace('_', '-')}", given)
            if key == "select":
                settings.select, settings.extend_select = given, []
            else:
                getattr(settings, key).extend(given)
    except SettingsError as error:
        raise UsageError(str(error)) from None


def _config(path: Path, *, schema: bool) -> int:
    import json

    from peft_lint.settings import SettingsError, find_settings, json_schema

    if schema:
        print(json.dumps(json_schema(), indent=2))
        return EXIT_CLEAN
    try:
        settings = find_settings(path)
    except SettingsError as error:
        raise UsageError(str(error)) from None
    for key, value in settings.shown().items():
        print(f"{key:18} {json.dumps(value) if not isinstance(value, str) else value}")
    return EXIT_CLEAN


def _render(result: object, output_format: str, *, to_terminal: bool) -> str:
    from peft_lint.engine.runner import LintResult
    from peft_lint.output import ci_formats

    assert isinstance(result, LintResult)
    if output_format == "json":
        from peft_lint.output.json_format import render_json

        return render_json(result)
    ci_renderers = {"sarif": ci_formats.render_sarif, "github": ci_formats.render_github,
                    "junit": ci_formats.render_junit, "statistics": ci_formats.render_statistics}
    if output_format in ci_renderers:
        return ci_renderers[output_format](result)
    from peft_lint.output.text import render_concise, render_full

    if output_format == "concise":
        return render_concise(result)
    return render_full(result, sys.stdout) if to_terminal else render_full(result, colour=False)


def rule_object(rule: type[Rule]) -> dict[str, object]:
    entry: dict[str, object] = {"code": rule.code, "name": rule.name,
                                "severity": rule.severity.value, "summary": rule.summary,
                                "url": rule.url()}
    if rule.reproduction:
        entry["reproduction"] = rule.reproduction
    if rule.reproduction_exempt:
        entry["reproduction_exempt"] = rule.reproduction_exempt
    return entry


def _rules(output_format: str) -> int:
    import json

    from peft_lint.engine.registry import all_rules

    rules = all_rules()
    if output_format == "json":
        print(json.dumps([rule_object(rule) for rule in rules], indent=2))
        return EXIT_CLEAN
    width = max(len(rule.name) for rule in rules)
    for rule in rules:
        print(f"{rule.code}  {rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}")
    return EXIT_CLEAN


def _rule(selector: str) -> int:
    from peft_lint.engine.registry import find_rule

    rule = find_rule(selector)
    if rule is None:
        raise UsageError(f"no rule {selector!r}; `peft-lint rules` lists them")
    print(f"# {rule.name} ({rule.code})\n\n{rule.summary}. Severity: {rule.severity.value}.\n")
    print(rule.docs())
    return EXIT_CLEAN


def entry_point() -> None:
    sys.exit(main())
