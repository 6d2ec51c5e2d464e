"""The content-hash cache: a repository whose inputs have not changed answers at once.

A lint's result is stored under a key made of everything it depends on: the peft-lint
version, the options and settings, the installed library versions (when they count), and
the path and SHA-256 of every file it could read: the files a folder walk finds, the files
named on the command line, the requirements and pyproject files of their folders and the
folders above, and every file the previous lint read. A hit re-reads the text of those files
for code frames and parses nothing.

Entries are JSON, never pickle: a cache folder committed into a repository by someone else
must not be able to run code. Anything unreadable or inconsistent is a miss. The folder is
`.peft_lint_cache/` beside the settings file (or in the current folder), holds a `.gitignore`
that ignores it, and keeps the newest entries only. `--no-cache` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from peft_lint import __version__
from peft_lint.engine import diagnostic as diagnostic_types
from peft_lint.engine.diagnostic import Diagnostic, Fix, Related, Severity
from peft_lint.engine.runner import LintOptions, LintResult
from peft_lint.facts.model import ResolvedVersion, Span
from peft_lint.inputs.files import SourceFile, is_file, read_source

FOLDER = ".peft_lint_cache"
KEPT_ENTRIES = 64
EDIT_TYPES = {name: getattr(diagnostic_types, name) for name in
              ("Edit", "InsertArgument", "ReplaceWord", "AssignResult", "InsertLine", "MoveCallBefore")}


def cache_folder(options: LintOptions) -> Path:
    settings_path = options.settings.path
    return (settings_path.parent if settings_path is not None else Path.cwd()) / FOLDER


def _digest(path: Path) -> str:
    if not is_file(path):  # missing, or a pipe or device that a read would block on
        return "not a regular file"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _candidates(paths: list[Path]) -> set[Path]:
    """Every file the lint could read, found without parsing anything: the folders' files,
    the named files, and the requirements and pyproject files of every folder on the way
    from a file up to the repository root (where the version pins are looked up)."""
    from peft_lint.inputs.paths import folders_up
    from peft_lint.inputs.units import folder_files
    from peft_lint.inputs.versions import pin_files

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
        found.update(pin_files(folder))  # the settings files count through the settings' repr
    return {path.absolute() for path in found}


def _installed() -> dict[str, str | None]:
    from peft_lint.inputs.versions import PACKAGES, installed_version

    return {package: installed_version(package) for package in PACKAGES}


def _code_fingerprint() -> list[tuple[str, int, int]]:
    """peft-lint's own modules and rules (name, size, mtime): a development checkout changes
    its code without changing its version."""
    from peft_lint.engine.registry import rules_folder

    found: set[tuple[str, int, int]] = set()  # the rules may live inside the package: once
    for root in (Path(__file__).resolve().parent.parent, rules_folder().resolve()):
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = [name for name in subfolders if name not in ("cases", "__pycache__")]
            for name in names:
                if name.endswith((".py", ".json")):
                    status = os.stat(os.path.join(folder, name))
                    found.add((os.path.join(folder, name), status.st_size, status.st_mtime_ns))
    return sorted(found)


def _key(paths: list[Path], options: LintOptions, read_before: list[str]) -> str:
    state = {
        "peft-lint": __version__, "code": _code_fingerprint(), "python": sys.version,
        "cwd": str(Path.cwd()),
        "paths": [str(path) for path in paths],
        "options": [options.world_size, options.target_versions, options.settings_versions,
                    options.use_installed, repr(options.settings)],
        "installed": _installed() if options.use_installed else {},
        "files": sorted((str(path), _digest(path)) for path in
                        _candidates(paths) | {Path(name) for name in read_before}),
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def cached_lint(paths: list[Path], options: LintOptions) -> LintResult:
    """The lint's result, from the cache when nothing it depends on has changed."""
    from peft_lint.engine.runner import lint

    folder = cache_folder(options) / __version__
    index = folder / ("index-" + hashlib.sha256(repr([str(p) for p in paths]).encode()).hexdigest()[:16])
    read_before = _read_index(index)
    key = _key(paths, options, read_before)
    hit = _load(folder / f"{key}.json")
    if hit is not None:
        return hit
    result = lint(paths, options)
    read = sorted(str(file.absolute) for file in result.files)
    if read != read_before:  # the key must cover what this lint read; recompute with it
        key = _key(paths, options, read)
    _store(folder, index, key, result, read)
    return result


def _read_index(index: Path) -> list[str]:
    try:
        names = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def _store(folder: Path, index: Path, key: str, result: LintResult, read: list[str]) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by peft-lint\n*\n", encoding="utf-8")
        entry = folder / f"{key}.json"
        partial = entry.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(_document(result)), encoding="utf-8")
        partial.replace(entry)  # atomic: a parallel run never reads half an entry
        index.write_text(json.dumps(read), encoding="utf-8")
        for pattern in ("*.json", "index-*"):  # the newest entries and indexes only
            entries = sorted(folder.glob(pattern), key=lambda path: path.stat().st_mtime, reverse=True)
            for stale in entries[KEPT_ENTRIES:]:
                stale.unlink(missing_ok=True)
    except OSError:
        return  # a read-only checkout lints without a cache


def _document(result: LintResult) -> dict[str, Any]:
    return {
        "diagnostics": [_diagnostic_data(d) for d in result.diagnostics],
        "files": [{"path": f.path, "absolute": str(f.absolute), "kind": f.kind} for f in result.files],
        "notes": result.notes,
        "units": result.units,
        "environment": {package: asdict(resolved) for package, resolved in result.environment.items()},
    }


def _diagnostic_data(diagnostic: Diagnostic) -> dict[str, Any]:
    data = asdict(diagnostic)
    data["severity"] = diagnostic.severity.value
    if diagnostic.fix is not None:
        data["fix"]["edits"] = [{"type": type(edit).__name__, **asdict(edit)}
                                for edit in diagnostic.fix.edits]
    return data


def _load(entry: Path) -> LintResult | None:
    try:
        document = json.loads(entry.read_text(encoding="utf-8"))
        diagnostics = [_diagnostic(item) for item in document["diagnostics"]]
        shown = {span.path for d in diagnostics for span in (d.span, *(r.span for r in d.related))}
        files = [_reread(item) if item["path"] in shown else
                 SourceFile(item["path"], Path(item["absolute"]), item["kind"]) for item in document["files"]]
        return LintResult(
            diagnostics=diagnostics,
            files=files, setups=[], units=int(document["units"]),
            environment={package: ResolvedVersion(**item)
                         for package, item in document["environment"].items()},
            notes=[str(note) for note in document["notes"]])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _reread(item: dict[str, str]) -> SourceFile:
    """The text of a file a finding shows, for its code frames (a notebook's script, cell by
    cell); not parsed. The other files of the lint only need their names."""
    source = read_source(Path(item["absolute"]), item["kind"], parse=False)
    source.path = item["path"]
    return source


def _diagnostic(data: dict[str, Any]) -> Diagnostic:
    fix = data.get("fix")
    return Diagnostic(
        code=data["code"], name=data["name"], severity=Severity(data["severity"]),
        message=data["message"], span=_span(data["span"]),
        related=[Related(_span(item["span"]), item["message"]) for item in data["related"]],
        help=data["help"], url=data["url"],
        fix=Fix(fix["title"], fix["safe"], tuple(_edit(edit) for edit in fix["edits"])) if fix else None)


def _span(data: dict[str, Any]) -> Span:
    return Span(**{item.name: data[item.name] for item in fields(Span)})


def _edit(data: dict[str, Any]) -> Any:
    kind = EDIT_TYPES[data["type"]]
    return kind(**{item.name: data[item.name] for item in fields(kind)})
