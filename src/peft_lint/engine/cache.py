"""The content-hash cache: a `peft-lint check` whose inputs have not changed answers at once.

What is stored is the answer itself (the report and the exit status) under a key made of
everything it depends on: the peft-lint version and code, the interpreter, the current
folder, the command line as typed, the environment variables that change the output, whether
the output is a terminal, the installed library versions (when they count), and the path and
SHA-256 of every file the lint could read: the files a folder walk finds, the files named on
the command line, the requirements, pyproject and settings files of their folders and the
folders above, and every file the previous lint of the same command read.

The key is built before click, the engine, pydantic or any installed package's metadata are
imported: the installed versions count through the names of their `.dist-info` folders on
sys.path (what importlib.metadata reads them from), and the settings through the text of the
settings files. A hit writes the stored report and exits; nothing is parsed.

Entries are JSON, never pickle: a cache folder committed into a repository by someone else
must not be able to run code. Anything unreadable or inconsistent is a miss. The folder is
`.peft_lint_cache/` beside the settings file (or in the current folder), holds a `.gitignore`
that ignores it, and keeps the newest entries only. `--no-cache` (or PEFT_LINT_NO_CACHE=1)
turns it off; `--fix`, `--diff`, `--write-baseline` and `--output-file` always lint.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from peft_lint import __version__
from peft_lint.inputs.paths import (
    SETTINGS_FILES,
    folder_files,
    folders_up,
    is_file,
    pin_files,
    settings_candidates,
)

FOLDER = ".peft_lint_cache"
KEPT_ENTRIES = 64
# the libraries whose installed versions peft-lint reads (inputs/versions.py PACKAGES)
INSTALLED = ("torch", "transformers", "peft", "trl", "accelerate", "bitsandbytes", "deepspeed")
# `check` options an answer may be stored for: flags, and options with a value
FLAGS = frozenset({"--ignore-installed", "--exit-zero", "--statistics", "--changed"})
VALUED = frozenset({"--output-format", "--world-size", "--target-version", "--fail-on", "--jobs", "-j",
                    "--select", "--extend-select", "--ignore", "--baseline"})
# environment variables that change what a lint reports or how it is shown
ENVIRONMENT = ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS")
_TOOL_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*[\"']?peft-lint[\"']?\s*[\].]", re.MULTILINE)


@dataclass(frozen=True)
class Answer:
    report: str
    exit_code: int


class AnswerCache:
    """The cache entry of one `check` command line."""

    def __init__(self, arguments: list[str], paths: list[Path], extra_files: list[Path],
                 use_installed: bool) -> None:
        self.arguments = arguments
        self.paths = paths
        self.extra_files = extra_files
        self.use_installed = use_installed
        self.folder = cache_folder(paths) / __version__
        self.index = self.folder / ("index-" + _hash([str(Path.cwd()), *arguments])[:16])
        self.key = ""
        self.read_before: list[str] = []

    def lookup(self) -> Answer | None:
        self.read_before = _read_index(self.index)
        self.key = self._key(self.read_before)
        try:
            document = json.loads((self.folder / f"{self.key}.json").read_text(encoding="utf-8"))
            return Answer(str(document["report"]), int(document["exit_code"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, answer: Answer, read: list[str]) -> None:
        """Keep the answer under the key of the files this lint read (recomputed when they
        are not the ones the lookup assumed)."""
        if sorted(read) != self.read_before or not self.key:
            self.key = self._key(sorted(read))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by peft-lint\n*\n", encoding="utf-8")
            entry = self.folder / f"{self.key}.json"
            partial = entry.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps({"report": answer.report, "exit_code": answer.exit_code}),
                               encoding="utf-8")
            partial.replace(entry)  # atomic: a parallel run never reads half an entry
            self.index.write_text(json.dumps(sorted(read)), encoding="utf-8")
            _keep_newest(self.folder)
        except OSError:
            return  # a read-only checkout lints without a cache

    def _key(self, read_before: list[str]) -> str:
        files = _candidates(self.paths) | {Path(name) for name in read_before} | \
            {path.absolute() for path in self.extra_files}
        state = {
            "peft-lint": __version__, "code": _code_fingerprint(), "python": sys.version,
            "prefix": sys.prefix, "cwd": str(Path.cwd()), "arguments": self.arguments,
            "environment": {name: value for name, value in os.environ.items()
                            if name in ENVIRONMENT or name.startswith("PEFT_LINT_")},
            "terminal": _terminal(),
            "installed": _installed() if self.use_installed else [],
            "files": sorted((str(path), _digest(path)) for path in files),
        }
        return _hash([json.dumps(state, sort_keys=True, default=str)])


def for_command_line(arguments: list[str]) -> AnswerCache | None:
    """The cache of a `check` command line (`arguments` start with "check"), or None when
    its answer is not to be cached (an option that writes files, --no-cache, an option this
    reading does not know: click will say what is wrong with it)."""
    if not arguments or arguments[0] != "check" or os.environ.get("PEFT_LINT_NO_CACHE", "") not in ("", "0"):
        return None
    paths: list[Path] = []
    extra: list[Path] = []
    use_installed = True
    rest = iter(arguments[1:])
    for word in rest:
        option, has_value, value = word.partition("=")
        if option in FLAGS and not has_value:
            use_installed = use_installed and option != "--ignore-installed"
        elif option in VALUED:
            value = value if has_value else next(rest, "")
            if option == "--baseline":
                extra.append(Path(value))
        elif word.startswith("-") and word != "-":
            return None
        else:
            paths.append(Path(word))
    if not paths or not all(path.exists() for path in paths):
        return None
    if "--changed" in arguments:  # the runs touched are found in the whole current folder
        paths.append(Path("."))
    return AnswerCache(arguments, paths, extra, use_installed)


def cache_folder(paths: list[Path]) -> Path:
    """`.peft_lint_cache/` beside the settings file that applies (as settings.find_settings
    finds it from the first path), or in the current folder."""
    settings = settings_file(paths[0] if paths and paths[0].exists() else Path.cwd())
    return (settings.parent if settings is not None else Path.cwd()) / FOLDER


def settings_file(start: Path) -> Path | None:
    """The settings file settings.find_settings reads, found without parsing TOML."""
    for candidate in settings_candidates(start):
        if candidate.name != "pyproject.toml":
            return candidate
        try:
            if _TOOL_TABLE.search(candidate.read_text(encoding="utf-8", errors="replace")):
                return candidate
        except OSError:
            pass
    return None


def _candidates(paths: list[Path]) -> set[Path]:
    """Every file the lint could read, found without parsing anything: the folders' files,
    the named files, and the requirements, pyproject and settings files of every folder on
    the way from a file up to the repository root (where pins and settings are looked up)."""
    found: set[Path] = set()
    for path in paths:
        found.update(folder_files(path) if path.is_dir() else [path])
    roots = {path.absolute() if path.is_dir() else path.absolute().parent for path in paths}
    folders: set[Path] = set()
    for start in {file.absolute().parent for file in found}:
        for folder in (start, *start.parents):  # up to the named folder that holds it
            if folder in folders:
                break
            folders.add(folder)
            if folder in roots:
                break
    for root in roots:  # above the named paths: up to the repository root, as the pins are
        folders.update(folders_up(root))
    for folder in folders:
        found.update(pin_files(folder))
        found.update(folder / name for name in SETTINGS_FILES if (folder / name).is_file())
    return {path.absolute() for path in found}


def _digest(path: Path) -> str:
    if not is_file(path):  # missing, or a pipe or device that a read would block on
        return "not a regular file"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _installed() -> list[tuple[str, str]]:
    """The metadata folders of the libraries on sys.path (`peft-0.17.1.dist-info`), as
    importlib.metadata finds them: their names carry the versions, read without importing
    or opening anything."""
    found: list[tuple[str, str]] = []
    prefixes = tuple(f"{name}-" for name in INSTALLED)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found += [(entry, name) for name in names if name.lower().replace("_", "-").startswith(prefixes)
                  and name.endswith((".dist-info", ".egg-info", ".egg-link"))]
    return sorted(found)


def _code_fingerprint() -> list[tuple[str, int, int]]:
    """peft-lint's own modules, rules and data (name, size, mtime): a development checkout
    changes its code without changing its version."""
    package = Path(__file__).resolve().parent.parent
    found: set[tuple[str, int, int]] = set()  # the rules may live inside the package: once
    for root in (package, _rules_folder()):
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = [name for name in subfolders if name not in ("cases", "__pycache__")]
            for name in names:
                if name.endswith((".py", ".json")):
                    status = os.stat(os.path.join(folder, name))
                    found.add((os.path.join(folder, name), status.st_size, status.st_mtime_ns))
    return sorted(found)


def _rules_folder() -> Path:
    """Where the rules are (engine/registry.py's rules_folder), found without importing them."""
    from importlib.util import find_spec

    spec = find_spec("peft_lint.rules")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]).resolve() if locations else Path(__file__).resolve().parent.parent


def _terminal() -> list[object]:
    """Whether the report goes to a terminal, and its width (colours and wrapping)."""
    if not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()):
        return [False]
    import shutil

    return [True, shutil.get_terminal_size().columns]


def _read_index(index: Path) -> list[str]:
    try:
        names = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return sorted(name for name in names if isinstance(name, str)) if isinstance(names, list) else []


def _keep_newest(folder: Path) -> None:
    for pattern in ("*.json", "index-*"):  # the newest entries and indexes only
        entries = sorted(folder.glob(pattern), key=lambda path: path.stat().st_mtime, reverse=True)
        for stale in entries[KEPT_ENTRIES:]:
            stale.unlink(missing_ok=True)


def _hash(parts: list[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
