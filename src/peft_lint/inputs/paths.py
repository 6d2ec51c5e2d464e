"""Paths as peft-lint shows and tests them."""

from __future__ import annotations

import os
from pathlib import Path


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
