"""Library versions a notebook's or launcher's own `pip install` commands install."""

from __future__ import annotations

import re
from typing import Protocol

from peft_lint.facts.model import ResolvedVersion
from peft_lint.inputs.versions import (
    DIALECT_PACKAGES,
    PACKAGES,
    git_requirement,
    known_versions,
    parse_requirement,
    pinned,
)


class ShellText(Protocol):
    """What is read of a file with shell commands (a launcher, a notebook's `!` lines)."""

    path: str
    text: str
    cells: list[tuple[int, int]] | None
    shown_as: str | None

    @property
    def lines(self) -> list[str]: ...


# pip options that take a value (`-r reqs.txt`, `--index-url URL`): the value is no requirement
_PIP_VALUE_OPTIONS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
    "--upgrade-strategy", "--platform", "--python-version", "--implementation", "--abi",
    "--only-binary", "--no-binary", "--src", "--progress-bar", "--cache-dir", "--log", "--proxy",
    "--retries", "--timeout", "--trusted-host", "--cert", "--client-cert", "--global-option",
    "--config-settings", "-C", "--report", "--python", "-p",
})


def install_pins(file: ShellText) -> dict[str, ResolvedVersion]:
    """Versions that a notebook's or launcher's own `pip install` lines install, in the order
    they run (a later install of a package replaces an earlier one). An exact `==` pins; a
    range resolves to the newest known version inside it; an unpinned name or a git URL pins
    nothing."""
    from peft_lint.extract.shell import shell_commands

    pins: dict[str, ResolvedVersion] = {}
    for command in shell_commands(file.path, file.text):
        if file.cells is not None and _inside_a_block(file, command.span.line):
            continue  # `if IN_COLAB: !pip install ...`: installs on one machine, not every run's
        label = _install_label(file, command.span.line)
        for requirement in _pip_requirements(command.words):
            parsed = git_requirement(requirement) if "git+" in requirement else parse_requirement(requirement)
            if parsed is None or parsed[0] not in (*PACKAGES, *DIALECT_PACKAGES):
                continue
            package, specifier = parsed
            found = pinned(package, specifier, label)
            # unpinned, or from a branch: pip installs the newest release, whatever the
            # requirements files beside the notebook say
            pins[package] = found or ResolvedVersion(known_versions(package)[-1], f"newest:{label}")
    return pins


def _inside_a_block(file: ShellText, line: int) -> bool:
    """Whether a notebook's shell line sits inside a Python block (it is indented in its cell)."""
    shown = file.lines[line - 1] if 0 < line <= len(file.lines) else ""
    return shown[:1] in (" ", "\t")


def _install_label(file: ShellText, line: int) -> str:
    if file.cells is not None and 0 < line <= len(file.cells):
        return f"{file.shown_as or file.path} (cell {file.cells[line - 1][0]})"
    return file.path


def _pip_requirements(words: list[str]) -> list[str]:
    """The requirement arguments of a `pip install` command (its words, as the shell gives them)."""
    from peft_lint.extract.shell import UNRESOLVED

    start = _pip_install_start(words)
    if start is None:
        return []
    requirements: list[str] = []
    skip = False
    for word in words[start:]:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _PIP_VALUE_OPTIONS
        elif UNRESOLVED in word:
            continue
        elif word.startswith("git+") or not word.startswith(("http:", "https:", ".", "/", "$")):
            requirements.append(word)
    return requirements


def _pip_install_start(words: list[str]) -> int | None:
    """Where the arguments of `pip install` start in a command (`pip install`, `pip3 install`,
    `python -m pip install`, `uv pip install`, `sudo pip install`), or None."""
    for index, word in enumerate(words[:-1]):
        if re.fullmatch(r"(?:.*/)?pip3?(?:\.\d+)?", word) and words[index + 1] == "install":
            return index + 2
    return None


