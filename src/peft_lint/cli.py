"""Command line (click): `peft-lint [check] PATHS...`, `explain`, `config`, `rules`, `rule CODE|NAME`."""

from __future__ import annotations

import os
import sys

from peft_lint import __version__

TYPE_CHECKING = False  # typing itself costs 5 ms to import, and --version needs none of it

if TYPE_CHECKING:  # at run time each command imports what it needs: --version imports nothing
    from collections.abc import Sequence
    from pathlib import Path
    from types import SimpleNamespace

    import click

    from peft_lint.engine.cache import AnswerCache
    from peft_lint.engine.rule import Rule
    from peft_lint.engine.runner import LintResult
    from peft_lint.settings import Settings

COMMANDS = ("check", "rules", "rule", "config", "explain")
ISSUES_URL = "https://github.com/peft-lint/peft-lint/issues"
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
# no training run among the paths: nothing was checked (pytest's "no tests collected" status)
EXIT_NO_RUN = 5
OUTPUT_FORMATS = {
    "full": "each finding with its message, code frame, related locations and help (default)",
    "concise": "one line per finding: path:line:column: CODE [severity] name",
    "json": "a JSON document: findings, notes, versions and a summary",
    "sarif": "SARIF 2.1.0, for GitHub code scanning and other SARIF viewers",
    "github": "GitHub Actions annotations (::error file=...::message)",
    "junit": "JUnit XML, one failing test case per finding",
}


class UsageError(Exception):
    pass


# the cache entry of this process's `check` command line (None: not cached)
_answer_cache: AnswerCache | None = None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--version"]:  # answered before click is even imported
        print(f"peft-lint {__version__}")
        return EXIT_CLEAN
    try:
        arguments = _with_default_command(arguments)
        answered = _answer_from_cache(arguments)
        if answered is not None:
            return answered
        # peft-lint's config models are its own: pydantic's plugin discovery (a scan of every
        # installed distribution's entry points, ~40 ms) has nothing to find for them
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        code = _invoke(arguments)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except UsageError as error:
        print(f"peft-lint: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `peft-lint ... | head`: the reader left; stop quietly, as a shell tool does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # noqa: BLE001 - never show a traceback to the user
        print(f"peft-lint: internal error ({type(error).__name__}: {error}); please report it at "
              f"{ISSUES_URL} with the files that caused it", file=sys.stderr)
        return EXIT_INTERNAL


def _answer_from_cache(arguments: list[str]) -> int | None:
    """A `check` whose inputs have not changed: its stored report and exit status, before
    click or the engine is imported (engine/cache.py)."""
    global _answer_cache
    _answer_cache = None
    if not arguments or arguments[0] != "check":
        return None
    from peft_lint.engine.cache import for_command_line

    _answer_cache = for_command_line(arguments)
    hit = _answer_cache.lookup() if _answer_cache is not None else None
    if hit is None:
        return None
    sys.stdout.write(hit.report)
    return hit.exit_code


def _with_default_command(arguments: list[str]) -> list[str]:
    """`check` is the default command: `peft-lint train.py config.yaml` is `peft-lint check
    train.py config.yaml`. A bare first word that is neither a command nor a file is a typo
    (`peft-lint rulez`): a usage error with the nearest command."""
    if not arguments:
        return ["check"]
    first = arguments[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return arguments
    if not first.startswith("-") and _looks_like_a_command(first):
        import difflib

        close = difflib.get_close_matches(first, COMMANDS, n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(f'`peft-lint {name}`' for name in close)}?" if close \
            else f"; the commands are {', '.join(COMMANDS)}"
        raise UsageError(f"`{first}` is neither a command nor a file{hint}")
    return ["check", *arguments]


def _looks_like_a_command(word: str) -> bool:
    """A bare word (no folder, no suffix) that names no file or folder here."""
    from pathlib import Path

    return "/" not in word and "\\" not in word and "." not in word and not Path(word).exists()


def _invoke(arguments: list[str]) -> int:
    import click

    try:
        result = build_cli().main(args=arguments, prog_name="peft-lint", standalone_mode=False)
    except click.exceptions.Exit as done:  # --help, --version
        return int(done.exit_code)
    except click.ClickException as error:  # usage errors, with click's did-you-mean for options
        error.show()
        return EXIT_USAGE if isinstance(error, click.UsageError) else int(error.exit_code)
    except click.exceptions.Abort:
        return 130
    except SystemExit as stopped:
        if type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):  # click's answer to a closed pipe
            raise BrokenPipeError from None
        raise stopped
    return int(result) if isinstance(result, int) else EXIT_CLEAN


def build_cli() -> click.Group:
    """The click command line; built when a command runs (`--version` never imports click)."""
    from pathlib import Path

    import click

    @click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
                 help="Static preflight checks for PEFT fine-tuning runs: a training script, its "
                      "configs and its launcher, read without running them. `peft-lint PATHS` is "
                      "`peft-lint check PATHS`.")
    @click.version_option(__version__, "--version", prog_name="peft-lint",
                          message="%(prog)s %(version)s")
    def cli() -> None:
        pass

    paths = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
    world_size = click.option("--world-size", type=int, metavar="N",
                              help="number of training processes, where no launcher says it")
    target = click.option("--target-version", multiple=True, metavar="PKG==VER",
                          help="library version to assume (repeatable), e.g. transformers==4.57.6")
    installed = click.option("--ignore-installed", is_flag=True,
                             help="do not read the versions of installed packages")

    @cli.command(short_help="lint a run (the default command)",
                 help="Lint a run: files of one run (script, configs, launcher) or folders to "
                      "scan. The default command.")
    @paths
    @click.option("--output-format", type=click.Choice(list(OUTPUT_FORMATS)), default="full",
                  show_default=True,
                  help="; ".join(f"{name}: {text}" for name, text in OUTPUT_FORMATS.items()))
    @click.option("--output-file", type=click.Path(path_type=Path), metavar="FILE",
                  help="write the report to FILE instead of standard output")
    @click.option("--statistics", is_flag=True,
                  help="print the number of findings per rule instead of the findings")
    @click.option("--fix", is_flag=True, help="apply the safe fixes to the files")
    @click.option("--diff", is_flag=True, help="print the fixes as a unified diff; change nothing")
    @click.option("--unsafe-fixes", is_flag=True, help="also apply fixes marked unsafe")
    @click.option("--write-baseline", type=click.Path(path_type=Path), metavar="FILE",
                  help="record the current findings in FILE and exit 0")
    @click.option("--baseline", type=click.Path(path_type=Path), metavar="FILE",
                  help="do not report the findings recorded in FILE")
    @world_size
    @target
    @click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error",
                  show_default=True, help="the lowest severity that makes the exit status 1")
    @click.option("--exit-zero", is_flag=True, help="exit 0 even with findings")
    @click.option("--jobs", "-j", type=int, default=0, metavar="N", show_default=True,
                  help="processes for folder mode (0: one per core)")
    @click.option("--no-cache", is_flag=True, help="do not read or write the result cache")
    @click.option("--changed", is_flag=True,
                  help="the paths are changed files (as pre-commit passes them): lint the runs under "
                       "the current folder that hold one, or import a changed module")
    @installed
    @click.option("--select", metavar="RULES",
                  help="rules to report, replacing the settings' select: comma-separated codes, "
                       "names or code prefixes (PFT3)")
    @click.option("--extend-select", metavar="RULES", help="rules to report in addition")
    @click.option("--ignore", metavar="RULES", help="rules not to report")
    def check(**options: object) -> int:
        return _check(_options("check", options))

    @cli.command(short_help="show the training setup as resolved",
                 help="Show the training setup as peft-lint resolved it: each fact, its value, "
                      "and where it came from.")
    @paths
    @click.option("--output-format", type=click.Choice(["full", "json"]), default="full",
                  show_default=True)
    @world_size
    @target
    @installed
    def explain(**options: object) -> int:
        return _explain(_options("explain", options))

    @cli.command(short_help="show the settings used here",
                 help="Show the settings peft-lint uses here ([tool.peft-lint] or peft-lint.toml).")
    @click.option("--show-settings", is_flag=True, help="print the resolved settings (the default)")
    @click.option("--schema", is_flag=True, help="print the JSON schema of the settings instead")
    @click.argument("path", required=False, type=click.Path(path_type=Path))
    def config(show_settings: bool, schema: bool, path: Path | None) -> int:
        return _config(path or Path.cwd(), schema=schema)

    @cli.command(short_help="list the rules",
                 help="List the rules.")
    @click.option("--output-format", type=click.Choice(["full", "json"]), default="full",
                  show_default=True)
    def rules(output_format: str) -> int:
        return _rules(output_format)

    @cli.command(short_help="show a rule's documentation",
                 help="Show a rule's documentation, by code or name (PFT101, "
                      "adalora-reentrant-gc-ddp).")
    @click.argument("rule")
    def rule(rule: str) -> int:
        return _rule(rule)

    return cli


def _options(command: str, given: dict[str, object]) -> SimpleNamespace:
    """The command's options as the handlers read them."""
    from types import SimpleNamespace

    options = SimpleNamespace(command=command, **given)
    options.paths = list(given["paths"])  # type: ignore[call-overload]
    options.target_version = list(given["target_version"])  # type: ignore[call-overload]
    for key in ("select", "extend_select", "ignore"):
        if key in given:
            value = given[key]
            setattr(options, key, None if value is None else _selector_list(str(value)))
    return options


def _check(options: SimpleNamespace) -> int:
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
        found = len(result.diagnostics)
        result.diagnostics = without_baselined(result.diagnostics, result.files, known)
        hidden = found - len(result.diagnostics)
        if hidden:
            print(f"peft-lint: {hidden} finding(s) recorded in {options.baseline} not shown", file=sys.stderr)
    no_run = result.units == 0 and not result.diagnostics
    report = _render(result, "statistics" if options.statistics else options.output_format,
                     to_terminal=options.output_file is None)
    if no_run and options.output_format in ("full", "concise") and not options.statistics:
        report = ""  # "All checks passed" would read as a pass: _no_run says what happened
    if options.output_file is None:
        sys.stdout.write(report)
    else:
        try:
            options.output_file.write_text(report, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write {options.output_file}: {error.strerror}") from None
    if no_run:
        return _no_run(options, result)
    threshold = Severity(options.fail_on).rank
    failing = any(diagnostic.severity.rank >= threshold for diagnostic in result.diagnostics)
    code = EXIT_FINDINGS if failing and not options.exit_zero else EXIT_CLEAN
    if _answer_cache is not None and options.output_file is None and not options.no_cache:
        from peft_lint.engine.cache import Answer

        _answer_cache.store(Answer(report, code), [str(file.absolute) for file in result.files])
    return code


def _no_run(options: SimpleNamespace, result: LintResult) -> int:
    """Nothing to check: in --changed mode a change outside every run (a pass); otherwise the
    paths hold no training run, which must not read as a pass in CI (exit 5)."""
    if options.changed:
        print(f"peft-lint: none of the {len(options.paths)} changed file(s) belongs to a training run; "
              "nothing to check", file=sys.stderr)
        return EXIT_CLEAN
    shown = " ".join(str(path) for path in options.paths)
    print(f"peft-lint: no training run found in {shown} ({len(result.files)} file(s) read): nothing was "
          "checked. A run is a Python script or notebook that imports transformers, peft, trl or "
          "accelerate, a launcher that starts one, or an axolotl / LLaMA-Factory config.",
          file=sys.stderr)
    return EXIT_CLEAN if options.exit_zero else EXIT_NO_RUN


def _fix(options: SimpleNamespace, result: LintResult) -> int:
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
    if not options.unsafe_fixes:
        unsafe = [d for d in result.diagnostics if d.fix is not None and d.fix.edits and not d.fix.safe]
        if unsafe:
            print(f"{len(unsafe)} unsafe fix(es) left ({', '.join(sorted({d.code for d in unsafe}))}): "
                  "review them with `--diff --unsafe-fixes`, apply them with `--fix --unsafe-fixes`",
                  file=sys.stderr)
    options.fix = False  # a --fix command line has no cache entry (engine/cache.py): nothing is stored
    return _check(options)


def _lint(options: SimpleNamespace) -> LintResult:
    """Lint the paths with the settings and the run options of `check` / `explain`."""
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
                               jobs=getattr(options, "jobs", 1), keep_setups=options.command != "check",
                               changed=bool(getattr(options, "changed", False)))
    return lint(options.paths, lint_options)


def _explain(options: SimpleNamespace) -> int:
    from peft_lint.output.explain import render_explain, render_explain_json

    missing = [str(path) for path in options.paths if not path.exists()]
    if missing:
        raise UsageError(f"{', '.join(f'`{name}`' for name in missing)} "
                         f"{'does' if len(missing) == 1 else 'do'} not exist")
    result = _lint(options)
    if result.units == 0:
        shown = " ".join(str(path) for path in options.paths)
        print(f"peft-lint: no training run found in {shown}: nothing to explain", file=sys.stderr)
        return EXIT_NO_RUN
    sys.stdout.write(render_explain_json(result) if options.output_format == "json"
                     else render_explain(result))
    return EXIT_CLEAN


def _selector_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _apply_rule_flags(settings: Settings, options: SimpleNamespace) -> None:
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
    entry["evidence"] = rule_evidence(rule)
    if rule.reproduction:
        entry["reproduction"] = rule.reproduction
    if rule.reproduction_exempt:
        entry["reproduction_exempt"] = rule.reproduction_exempt
    elif not rule.reproduction:  # warnings and infos claim no crash or silent failure to reproduce
        entry["reproduction_exempt"] = (f"a {rule.severity.value}: it claims no exception or silent failure "
                                        "that a run could show; the evidence is cited")
    return entry


def rule_evidence(rule: type[Rule]) -> list[str]:
    """The upstream sources a rule cites: the items of its References section, one line each
    (upstream code paths and issue/PR links)."""
    items: list[str] = []
    for line in rule.sections().get("References", "").splitlines():
        text = line.strip()
        if text.startswith("- "):
            items.append(text[2:])
        elif text and items:
            items[-1] += " " + text
    return items


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
        import difflib

        from peft_lint.engine.registry import all_rules

        names = [name for known in all_rules() for name in (known.code, known.name)]
        close = difflib.get_close_matches(selector, names, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else "; `peft-lint rules` lists them"
        raise UsageError(f"no rule `{selector}`{hint}")
    print(f"# {rule.name} ({rule.code})\n\n{rule.summary}. Severity: {rule.severity.value}.\n")
    print(rule.docs())
    return EXIT_CLEAN


def entry_point() -> None:
    sys.exit(main())
