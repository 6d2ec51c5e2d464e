"""Reading one input file: its kind, its text, and what its front-end made of it.

A file that cannot be read or parsed becomes a `ReadProblem` (rendered as a
PFT9xx diagnostic); it never stops the other files of the run.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from peft_lint.extract.config_files import ConfigParseError, parse_json, parse_yaml
from peft_lint.extract.launcher import LaunchCommand, parse_launcher
from peft_lint.facts.model import ResolvedVersion, Span
from peft_lint.facts.values import DictValue, Value
from peft_lint.inputs.paths import (  # noqa: F401 - kind_of and the suffixes are read from here too
    JSON_SUFFIXES,
    PYTHON_SUFFIXES,
    SHELL_SUFFIXES,
    YAML_SUFFIXES,
    display_path,
    is_file,
    kind_of,
)

# Training scripts and configs are kilobytes; parsing a 10 MB Python file takes CPython ~20 s
# and 4 GB. Notebooks carry their outputs (images), so they may be larger.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024


@dataclass
class ReadProblem:
    code: str  # PFT901 unreadable, PFT902 python syntax, PFT903 config syntax
    message: str
    line: int = 1
    column: int = 1
    # not a finding: the file is fine but was not checked (Python newer than this interpreter)
    note_only: bool = False


# no versions: one shared, read-only mapping for the thousands of files that install nothing
NO_VERSIONS: Mapping[str, ResolvedVersion] = MappingProxyType({})


@dataclass(slots=True)  # thousands in a folder: no per-file __dict__
class SourceFile:
    path: str  # as shown to the user
    absolute: Path
    kind: str  # python, yaml, json, shell, requirements, pyproject, other
    text: str = ""
    tree: ast.Module | None = None
    config: Value | None = None
    config_role: str = ""  # training-args, accelerate, deepspeed, axolotl, llamafactory, other
    launches: Sequence[LaunchCommand] = ()
    problem: ReadProblem | None = None
    # a notebook's code cells joined into one script: (cell, line in cell) of each script line
    cells: list[tuple[int, int]] | None = None
    # a Python file read but not parsed yet: finding a folder's runs needs only the text
    pending_parse: bool = False
    # a notebook: its cells' own lines (the script has magics blanked), for code frames
    display: str | None = None
    # a notebook: cells that do not parse (each fails alone; the notebook is read without them)
    cell_problems: Sequence[ReadProblem] = ()
    # a notebook: the files it makes (its shell commands, its `%%writefile` cells)
    companions: tuple[SourceFile, ...] = ()
    # a file a notebook makes: its locations are shown in the notebook (`shown_as`)
    shown_as: str | None = None
    role: str = ""  # of a notebook's file: "shell" or "writefile NAME"
    made_by: Path | None = None  # of a notebook's file: the notebook
    # library versions the file's own `pip install` lines install (a notebook's, a launcher's)
    installs: Mapping[str, ResolvedVersion] = field(default_factory=lambda: NO_VERSIONS)
    # library versions of the image a launcher runs the script in (a SageMaker estimator's
    # transformers_version): below the requirements files, which are installed on top
    image_versions: Mapping[str, ResolvedVersion] = field(default_factory=lambda: NO_VERSIONS)
    # the text was let go to keep a folder's memory flat; restore_text reads it again
    released: bool = False
    # what finding a folder's runs reads from a file (None: not read yet), kept when the text
    # goes: a script's training import, the config names a script or config mentions, whether
    # a config's values are a mapping (a config, not a dataset), an accelerate config's DeepSpeed JSON
    training_import: bool | None = None
    # the modules a script imports (`a.b` of `from a.b import c`), read from the text
    imported_modules: tuple[str, ...] | None = None
    mentioned_configs: tuple[str, ...] | None = None
    is_mapping: bool | None = None
    deepspeed_file: str | None = None
    # whether the text has a `# peft-lint:` comment (a suppression, read at the end of a lint)
    mentions_peft_lint: bool = False

    @property
    def lines(self) -> list[str]:
        return (self.display if self.display is not None else self.text).splitlines()


# the start of engine/suppressions.py's MARKER: what the end of a lint reads a released text for
_SUPPRESSION_COMMENT = re.compile(r"#\s*peft-lint\s*:")


def release_text(source: SourceFile, *, linted: bool = False) -> bool:
    """Let a plain Python file's text and tree go (it is read again from disk when needed), and
    a config's text and values (parsed again when its run is linted); with `linted` (no run
    needs the file any more) a launcher's too. Notebooks and the files they make are derived,
    and stay. True when released."""
    releasable = source.kind in ("python", "yaml", "json") or linted
    if not releasable or source.cells is not None or source.made_by is not None \
            or source.companions or source.problem is not None or source.released:
        return False
    source.mentions_peft_lint = _SUPPRESSION_COMMENT.search(source.text) is not None
    source.text = ""
    source.tree = None
    if source.kind != "python":
        source.config = None
        if linted:
            source.launches = ()
    source.pending_parse = source.kind in ("python", "yaml", "json")
    source.released = True
    return True


def restore_text(source: SourceFile) -> None:
    """A released file's text, read again (parsed when it is next needed)."""
    if not source.released:
        return
    source.released = False
    text = _read_text(source.absolute, source)
    source.text = text if text is not None else ""


def ensure_parsed(source: SourceFile) -> None:
    restore_text(source)
    if source.pending_parse:
        source.pending_parse = False
        _parse(source)


def read_source(path: Path, kind: str | None = None, *, parse: bool = True,
                defer_python: bool = False, shown: str | None = None) -> SourceFile:
    """A file, read and parsed; `shown` is the path to show it under (default: relative to
    the current folder)."""
    source = SourceFile(shown or display_path(path), path.resolve() if path.exists() else path.absolute(),
                        kind or kind_of(path))
    text = _read_text(path, source)
    if text is None:
        return source
    source.text = text
    if path.name.lower().endswith(".ipynb"):
        _read_notebook(source)
        if source.problem is not None:
            return source
        for companion in source.companions:
            if parse and not companion.role.startswith("sagemaker"):  # small: parsed here, so that
                _parse(companion)                                    # their problems are ours
    if source.kind == "other" and text.startswith("#!") and "sh" in text.split("\n", 1)[0]:
        source.kind = "shell"
    if source.kind == "python" and "entry_point" in source.text and not source.role:
        _add_estimators(source)
    if parse and defer_python and source.kind == "python":
        source.pending_parse = True
    elif parse:
        _parse(source)
    return source


def _read_text(path: Path, source: SourceFile) -> str | None:
    if path.is_dir():
        source.problem = ReadProblem("PFT901", f"`{source.path}` is a directory, not a file")
        return None
    limit = MAX_NOTEBOOK_BYTES if path.name.lower().endswith(".ipynb") else MAX_FILE_BYTES
    if path.exists() and not is_file(path):
        source.problem = ReadProblem("PFT901", f"`{source.path}` is not a regular file (a pipe, "
                                               "socket or device); not read")
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        source.problem = ReadProblem("PFT901", f"`{source.path}` does not exist")
        return None
    except OSError as error:
        source.problem = ReadProblem("PFT901", f"`{source.path}` cannot be read: {error.strerror}")
        return None
    if len(data) > limit:
        source.problem = ReadProblem(
            "PFT901", f"`{source.path}` is larger than {limit // (1024 * 1024)} MB, peft-lint's limit "
            "for one file; not read (training scripts and configs are far smaller)")
        return None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        source.problem = ReadProblem("PFT901", f"`{source.path}` is a binary file (NUL byte)", line)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        source.problem = ReadProblem(
            "PFT901", f"`{source.path}` is not UTF-8 text: byte 0x{data[error.start]:02x} "
            f"at offset {error.start}", line, column)
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_notebook(source: SourceFile) -> None:
    """Turn a notebook into the script its code cells make, in order (shell escapes, magics
    and help lines become `pass`, keeping lines), and the files it makes besides: its shell
    commands as a launcher, and the files its `%%writefile` cells write."""
    import json

    from peft_lint.extract.notebook import NotebookError, split_notebook

    if not source.text.strip():  # an empty file: a notebook with no cells, nothing to check
        source.text, source.display, source.cells = "", "", []
        return
    # not a notebook document: the file cannot be read as one (PFT901); its cells' Python is
    # another matter (PFT902, per cell)
    try:
        parts = split_notebook(json.loads(source.text))
    except NotebookError as error:
        source.problem = ReadProblem("PFT901", str(error))
        return
    except ValueError as error:
        source.problem = ReadProblem("PFT901", f"not a readable notebook (not JSON): {error}")
        return
    except RecursionError:
        source.problem = ReadProblem("PFT901", "not a readable notebook: JSON nested too deeply to read")
        return
    source.text = parts.script
    source.display = parts.display
    source.cells = parts.origins
    folder = source.absolute.parent
    if parts.has_shell:
        source.companions += (_companion(source, "shell", "shell", parts.shell,
                                         folder / source.absolute.name),)
    for written in parts.written:
        target = folder / written.name
        source.companions += (_companion(source, f"writefile {written.name}", kind_of(target),
                                         written.text, target),)
    if parts.has_shell and "install" in parts.shell:
        from peft_lint.inputs.installs import install_pins

        source.installs = install_pins(source.companions[0])
        for companion in source.companions:
            companion.installs = source.installs


def with_companions(files: list[SourceFile]) -> list[SourceFile]:
    return [made for file in files for made in (file, *file.companions)]


def _add_estimators(source: SourceFile) -> None:
    """A notebook's or script's SageMaker estimators: launchers of their entry points."""
    from peft_lint.extract.sagemaker import estimator_launches

    for number, found in enumerate(estimator_launches(source.path, source.text), start=1):
        launcher = _companion(source, f"sagemaker {number}", "shell", "", source.absolute)
        launcher.launches = [found.command]
        # the entry point runs in the estimator's image: the notebook's own installs are not there
        launcher.installs = {}
        label = f"{source.path}:{found.command.span.line}"
        launcher.image_versions = {package: ResolvedVersion(version, f"image:{label}")
                                   for package, version in found.versions.items()}
        source.companions += (launcher,)


def _companion(notebook: SourceFile, role: str, kind: str, text: str, absolute: Path) -> SourceFile:
    """A file a notebook makes (its shell commands, a `%%writefile` cell), line-aligned with
    the notebook so that its locations map to the notebook's cells."""
    companion = SourceFile(f"{notebook.path}[{role}]", absolute, kind, text=text,
                           cells=notebook.cells, display=notebook.display, shown_as=notebook.path,
                           role=role, made_by=notebook.absolute)
    if kind == "other" and text.lstrip().startswith("#!") and "sh" in text.lstrip().split("\n", 1)[0]:
        companion.kind = "shell"
    return companion


def notebook_span(span: Span, source: SourceFile) -> Span:
    """The span with its notebook cell and line in the cell, for display."""
    from dataclasses import replace

    if source.cells is None or not 0 < span.line <= len(source.cells):
        return span
    cell, line = source.cells[span.line - 1]
    return replace(span, path=source.shown_as or span.path, cell=cell, cell_line=line)


def _python_tree(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():  # the user's invalid escapes are not peft-lint's to print
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


def _syntax_problem(source: SourceFile, text: str, error: SyntaxError, offset: int = 0) -> ReadProblem:
    """PFT902 for text this interpreter cannot parse; only a note when a newer supported
    Python reads it."""
    line = (error.lineno or 1) + offset
    newer = _newer_python_accepts(text, error)
    if newer:
        return ReadProblem(
            "PFT902",
            f"{source.shown_as or source.path} is valid Python {newer} or later, which this interpreter "
            f"(Python {sys.version_info.major}.{sys.version_info.minor}) cannot read (\"{error.msg}\" "
            f"at line {line}); it was not checked. Run peft-lint on Python {newer} or later to check "
            "it", line, error.offset or 1, note_only=True)
    return ReadProblem("PFT902", f"invalid Python: {error.msg}", line, error.offset or 1)


def _parse_cells(source: SourceFile) -> ast.Module:
    """A notebook whose cells do not all parse: IPython compiles each cell on its own, so a
    cell with a syntax error fails alone and the others still run. Each broken cell is a
    problem of its own; the notebook is read without it."""
    assert source.cells is not None
    lines = source.text.split("\n")
    starts: dict[int, list[int]] = {}
    for index, (cell, _) in enumerate(source.cells):
        starts.setdefault(cell, []).append(index)
    for indexes in starts.values():
        text = "\n".join(lines[index] for index in indexes) + "\n"
        try:
            _python_tree(text, source.path)
        except SyntaxError as error:
            problem = _syntax_problem(source, text, error, offset=indexes[0])
            source.cell_problems = (*source.cell_problems, problem)
            for index in indexes:
                lines[index] = ""
        except (RecursionError, MemoryError, ValueError):
            for index in indexes:
                lines[index] = ""
    source.text = "\n".join(lines)
    return _python_tree(source.text, source.path)


def _parse(source: SourceFile) -> None:
    if source.kind == "python":
        try:
            source.tree = _python_tree(source.text, source.path)
        except SyntaxError as error:
            if source.cells is not None and not source.role:
                try:
                    source.tree = _parse_cells(source)
                    return
                except (SyntaxError, RecursionError, MemoryError, ValueError):
                    source.cell_problems = ()
            source.problem = _syntax_problem(source, source.text, error)
        except (RecursionError, MemoryError, ValueError) as error:
            source.problem = ReadProblem("PFT902", f"Python file could not be parsed: "
                                         f"{type(error).__name__}")
    elif source.kind in ("yaml", "json"):
        try:
            source.config = parse_yaml(source.path, source.text) if source.kind == "yaml" \
                else parse_json(source.path, source.text)
        except ConfigParseError as error:
            source.problem = ReadProblem("PFT903", error.message, error.line, error.column)
            return
        except RecursionError:
            source.problem = ReadProblem("PFT903", "config nested too deeply to read")
            return
        source.config_role = config_role(source.config)
    elif source.kind == "shell":
        source.launches = parse_launcher(source.path, source.text, source.absolute.parent)
        if "install" in source.text and not source.role:
            from peft_lint.inputs.installs import install_pins

            source.installs = install_pins(source)


# The newest Python peft-lint supports: a file this interpreter cannot parse may still be
# valid there (3.12's f-strings with nested quotes, PEP 695 type parameters, ...).
NEWEST_SUPPORTED_PYTHON = (3, 13)


# Grammar a newer Python added, recognized from where this interpreter's parser stops: the
# Python that added it, and a test of the error (message, offending line).
NEWER_GRAMMAR: tuple[tuple[tuple[int, int], str, re.Pattern[str]], ...] = (
    ((3, 12), "msg", re.compile(r"^f-string")),  # PEP 701: quotes and backslashes inside f-strings
    ((3, 12), "line", re.compile(  # PEP 695: type parameters and `type` statements
        r"^\s*(?:type\s+\w+\s*(?:\[.*\])?\s*=|(?:async\s+)?def\s+\w+\s*\[|class\s+\w+\s*\[)")),
    ((3, 11), "line", re.compile(r"\bexcept\s*\*")),  # PEP 654 exception groups
)
# LibCST's native parser is not fed what could exhaust its stack (found by the fuzz suite)
LIBCST_MAX_BYTES = 1024 * 1024
LIBCST_MAX_DEPTH = 100


def _newer_python_accepts(text: str, error: SyntaxError) -> str | None:
    """The Python that added the grammar this interpreter stopped at, when that Python is newer
    than this one and supported, and its grammar (LibCST's parser, which reads the grammars up
    to 3.13 on any interpreter) accepts the whole text; None: invalid in every supported Python."""
    line = (error.text or "").strip("\n")
    needed = next((version for version, where, pattern in NEWER_GRAMMAR
                   if pattern.search(error.msg if where == "msg" else line)), None)
    if needed is None or not sys.version_info[:2] < needed <= NEWEST_SUPPORTED_PYTHON:
        return None
    if len(text) > LIBCST_MAX_BYTES or _bracket_depth(text) > LIBCST_MAX_DEPTH:
        return None
    try:
        import libcst
    except ImportError:
        return None
    try:
        libcst.parse_module(text)
    except Exception:  # noqa: BLE001 - any parser failure means: not valid there either
        return None
    return f"{needed[0]}.{needed[1]}"


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for character in text:
        if character in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in ")]}":
            depth = max(depth - 1, 0)
    return deepest


ACCELERATE_KEYS = frozenset({"compute_environment", "distributed_type", "num_processes",
                             "mixed_precision", "use_cpu", "num_machines"})
DEEPSPEED_KEYS = frozenset({"zero_optimization", "train_micro_batch_size_per_gpu",
                            "train_batch_size", "zero_allow_untested_optimizer"})
LLAMAFACTORY_KEYS = frozenset({"finetuning_type", "stage", "template", "lora_target"})
AXOLOTL_KEYS = frozenset({"base_model", "adapter", "datasets", "lora_target_modules",
                          "micro_batch_size", "sequence_len"})


def config_role(config: Value | None) -> str:
    if not isinstance(config, DictValue):
        return "other"
    keys = set(config.entries)
    if "distributed_type" in keys or len(keys & ACCELERATE_KEYS) >= 2:
        return "accelerate"
    if keys & DEEPSPEED_KEYS:
        return "deepspeed"
    if len(keys & LLAMAFACTORY_KEYS) >= 2:
        return "llamafactory"
    if len(keys & AXOLOTL_KEYS) >= 2:
        return "axolotl"
    return "training-args"
