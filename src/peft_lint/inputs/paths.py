"""Paths as peft-lint shows, tests and finds them: which files a folder holds and of what kind,
and where the version pins are, without reading or parsing any of them (the cache builds its
key from these before the engine is imported)."""

from __future__ import annotations

import os
from pathlib import Path

PYTHON_SUFFIXES = (".py", ".ipynb")
YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
SHELL_SUFFIXES = (".sh", ".bash", ".slurm", ".sbatch", ".job")
SKIPPED_FOLDERS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv",
                             "env", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache",
                             "site-packages", "build", "dist", ".peft_lint_cache", ".eggs"})


def is_file(path: Path) -> bool:
    """Path.is_file for names read from file contents: a name too long or with a NUL byte
    is no file, not an error."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def display_path(path: Path) -> str:
    """The path relative to the current folder, unless that climbs more than one level."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith(".." + os.sep + "..") else relative


def folders_up(directory: Path) -> list[Path]:
    """The folder and those above it, up to the project's root (the work tree's top, at most
    six levels): where a project's files name one another from."""
    folders: list[Path] = []
    current = directory.resolve()
    for _ in range(6):
        folders.append(current)
        if (current / ".git").exists() or current.parent == current:
            break
        current = current.parent
    return folders


def kind_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(PYTHON_SUFFIXES):
        return "python"
    if name.endswith(YAML_SUFFIXES):
        return "yaml"
    if name.endswith(JSON_SUFFIXES):
        return "json"
    if name.endswith(SHELL_SUFFIXES):
        return "shell"
    if name.startswith("requirements") and name.endswith((".txt", ".in")):
        return "requirements"
    if name == "pyproject.toml":
        return "pyproject"
    return "other"


def pin_files(folder: Path) -> list[Path]:
    """The files of a folder that can pin library versions, in the order they count:
    requirements*.txt, then pyproject.toml, setup.cfg and setup.py (what `pip install -e .`
    installs)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    requirements = sorted(name for name in names if name.startswith("requirements") and name.endswith(".txt"))
    return [folder / name for name in requirements] + \
        [folder / name for name in ("pyproject.toml", "setup.cfg", "setup.py") if name in names]


def folder_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    stack = [folder]
    visited: set[Path] = set()
    while stack:
        current = stack.pop()
        try:
            real = current.resolve()
            if real in visited:
                continue
            visited.add(real)
            entries = sorted(current.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir():
                if entry.name not in SKIPPED_FOLDERS and not entry.name.startswith(".") and \
                        not (entry / "pyvenv.cfg").is_file():  # a virtualenv, whatever its name
                    stack.append(entry)
            elif kind_of(entry) in ("python", "yaml", "json", "shell") and is_file(entry):
                found.append(entry)  # regular files only: a named pipe would block the read
    return sorted(_not_git_ignored(folder, found))


def _not_git_ignored(folder: Path, paths: list[Path]) -> list[Path]:
    """Drop what the repository's .gitignore files ignore (when the folder is in a git work
    tree and git is installed; otherwise every path stays). A folder that is itself ignored
    was named on purpose: everything in it stays."""
    import shutil
    import subprocess

    if not paths or shutil.which("git") is None:
        return paths
    try:
        completed = subprocess.run(["git", "check-ignore", "--stdin", "-z"], cwd=folder,
                                   input="\0".join(str(path) for path in [folder, *paths]) + "\0",
                                   capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return paths
    if completed.returncode not in (0, 1):  # 128: not a git repository
        return paths
    ignored = {Path(name) for name in completed.stdout.split("\0") if name}
    if folder in ignored:
        return paths
    return [path for path in paths if path not in ignored]


SETTINGS_FILES = ("peft-lint.toml", ".peft-lint.toml")


def settings_candidates(start: Path) -> list[Path]:
    """The files that may hold peft-lint's settings, nearest first: in each folder from start
    up to the work tree's top, `peft-lint.toml`, `.peft-lint.toml`, then `pyproject.toml`
    (whose `[tool.peft-lint]` table counts only when present)."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    found: list[Path] = []
    for folder in [current, *current.parents]:
        found += [folder / name for name in (*SETTINGS_FILES, "pyproject.toml") if (folder / name).is_file()]
        if (folder / ".git").exists():
            break
    return found
