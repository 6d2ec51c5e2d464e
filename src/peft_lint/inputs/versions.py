"""Which library versions a run uses, and why peft-lint thinks so.

Order (DESIGN.md): --target-version, then `[tool.peft-lint] target-versions`,
then pins in requirements files / pyproject.toml beside the run, then the
installed distributions (read with importlib.metadata, never imported), else the
newest version the knowledge covers. A range resolves to the newest known
version inside it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from peft_lint.facts.model import ResolvedVersion
from peft_lint.knowledge import accelerate, bitsandbytes, deepspeed, peft, torch, transformers, trl
from peft_lint.knowledge.versions import newest_satisfying, parse_version

if TYPE_CHECKING:
    from peft_lint.inputs.files import SourceFile

KNOWN_VERSIONS: dict[str, list[str]] = {
    module.PACKAGE: module.KNOWN_VERSIONS
    for module in (torch, transformers, peft, trl, accelerate, bitsandbytes, deepspeed)
}
PACKAGES = tuple(KNOWN_VERSIONS)
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;#]*)")


class VersionError(ValueError):
    pass


def parse_requirement(line: str) -> tuple[str, str] | None:
    """('transformers', '==4.57.6') from a requirement line; None for anything else."""
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    match = _REQUIREMENT.match(line)
    if not match:
        return None
    name = match.group(1).lower().replace("_", "-")
    return name, match.group(3).strip().replace(" ", "")


# Front ends whose release pins the libraries' versions (resolved only for runs that use them).
DIALECT_PACKAGES = ("unsloth",)


def known_versions(package: str) -> list[str]:
    if package == "unsloth":
        from peft_lint.knowledge import unsloth

        return unsloth.known_versions()
    return KNOWN_VERSIONS.get(package, [])


def resolve_specifier(package: str, specifier: str) -> str | None:
    """A version from a pin: exact for ==, newest known inside a range."""
    specifier = specifier.split("+", 1)[0] if specifier.startswith("==") else specifier
    if specifier.startswith("==") and "*" not in specifier and "," not in specifier:
        version = specifier[2:]
        return version if parse_version(version) else None
    if not specifier:
        return None
    return newest_satisfying(known_versions(package), specifier)


# Folder -> its pins, for one lint (a folder tree shares its parents' requirements files);
# cleared by `forget_folders` when a lint starts, as files may change between lints.
_FOLDER_PINS: dict[Path, list[tuple[str, ResolvedVersion]]] = {}


def forget_folders() -> None:
    _FOLDER_PINS.clear()


def pins_near(directories: list[Path]) -> dict[str, ResolvedVersion]:
    """Pins from requirements*.txt / pyproject.toml in the run's folders and their parents."""
    pins: dict[str, ResolvedVersion] = {}
    seen: set[Path] = set()
    for directory in directories:
        for folder in folders_up(directory):
            if folder in seen:
                continue
            seen.add(folder)
            for package, resolved in _folder_pins(folder):
                pins.setdefault(package, resolved)
    return pins


def pin_files(folder: Path) -> list[Path]:
    """The files of a folder that can pin library versions, in the order they count:
    requirements*.txt, then pyproject.toml."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    requirements = sorted(name for name in names if name.startswith("requirements") and name.endswith(".txt"))
    return [folder / name for name in requirements] + \
        ([folder / "pyproject.toml"] if "pyproject.toml" in names else [])


def _folder_pins(folder: Path) -> list[tuple[str, ResolvedVersion]]:
    if folder not in _FOLDER_PINS:
        found: list[tuple[str, ResolvedVersion]] = []
        for file in pin_files(folder):
            if file.is_file():
                for package, (version, specifier) in _pins_in(file).items():
                    exact = specifier.startswith("==") and "," not in specifier
                    source = f"pin:{_label(file)}" if exact else f"range:{_label(file)}:{specifier}"
                    found.append((package, ResolvedVersion(version, source)))
        _FOLDER_PINS[folder] = found
    return _FOLDER_PINS[folder]


def folders_up(directory: Path) -> list[Path]:
    folders: list[Path] = []
    current = directory.resolve()
    for _ in range(6):
        folders.append(current)
        if (current / ".git").exists() or current.parent == current:
            break
        current = current.parent
    return folders


def _label(file: Path) -> str:
    from peft_lint.inputs.files import display_path

    return display_path(file)


def _pins_in(file: Path) -> dict[str, tuple[str, str]]:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    lines = text.splitlines()
    if file.name == "pyproject.toml":
        lines = _pyproject_dependencies(text)
    pins: dict[str, tuple[str, str]] = {}
    for line in lines:
        parsed = parse_requirement(line)
        if parsed and parsed[0] in (*PACKAGES, *DIALECT_PACKAGES):
            version = resolve_specifier(parsed[0], parsed[1])
            if version:
                pins[parsed[0]] = (version, parsed[1])
    return pins


def _pyproject_dependencies(text: str) -> list[str]:
    from peft_lint.settings import load_toml_text

    data = load_toml_text(text)
    if data is None:
        return []
    project = data.get("project", {})
    dependencies = list(project.get("dependencies", [])) if isinstance(project, dict) else []
    optional = project.get("optional-dependencies", {}) if isinstance(project, dict) else {}
    if isinstance(optional, dict):
        for group in optional.values():
            dependencies.extend(group if isinstance(group, list) else [])
    return [item for item in dependencies if isinstance(item, str)]


# pip options that take a value (`-r reqs.txt`, `--index-url URL`): the value is no requirement
_PIP_VALUE_OPTIONS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
    "--upgrade-strategy", "--platform", "--python-version", "--implementation", "--abi",
    "--only-binary", "--no-binary", "--src", "--progress-bar", "--cache-dir", "--log", "--proxy",
    "--retries", "--timeout", "--trusted-host", "--cert", "--client-cert", "--global-option",
    "--config-settings", "-C", "--report", "--python", "-p",
})


def install_pins(file: SourceFile) -> dict[str, ResolvedVersion]:
    """Versions that a notebook's or launcher's own `pip install` lines install, in the order
    they run (a later install of a package replaces an earlier one). An exact `==` pins; a
    range resolves to the newest known version inside it; an unpinned name or a git URL pins
    nothing."""
    from peft_lint.extract.launcher import logical_lines

    pins: dict[str, ResolvedVersion] = {}
    for logical in logical_lines(file.text):
        label = _install_label(file, logical.line)
        for requirement in _pip_requirements(logical.text):
            parsed = parse_requirement(requirement)
            if parsed is None or parsed[0] not in (*PACKAGES, *DIALECT_PACKAGES) or "@" in requirement:
                continue
            package, specifier = parsed
            version = resolve_specifier(package, specifier) if specifier else None
            if version is None:
                pins.pop(package, None)  # installs the newest release: no pin
                continue
            exact = specifier.startswith("==") and "," not in specifier
            source = f"pin:{label}" if exact else f"range:{label}:{specifier}"
            pins[package] = ResolvedVersion(version, source)
    return pins


def _install_label(file: SourceFile, line: int) -> str:
    if file.cells is not None and 0 < line <= len(file.cells):
        return f"{file.shown_as or file.path} (cell {file.cells[line - 1][0]})"
    return file.path


def _pip_requirements(command: str) -> list[str]:
    """The requirement arguments of the `pip install` commands on one shell line."""
    import shlex

    from peft_lint.extract.launcher import command_segments

    try:
        tokens = shlex.split(command, comments=True)
    except ValueError:
        return []
    requirements: list[str] = []
    for segment in command_segments(tokens):
        words = [word for word in segment if "=" not in word or word.startswith(("-", "'", '"'))
                 or any(op in word for op in ("==", ">=", "<=", "~=", "!="))]
        start = _pip_install_start(words)
        if start is None:
            continue
        skip = False
        for word in words[start:]:
            if skip:
                skip = False
            elif word.startswith("-"):
                skip = word in _PIP_VALUE_OPTIONS
            elif not word.startswith(("git+", "http:", "https:", ".", "/", "$")):
                requirements.append(word)
    return requirements


def _pip_install_start(words: list[str]) -> int | None:
    """Where the arguments of `pip install` start in a command (`pip install`, `pip3 install`,
    `python -m pip install`, `uv pip install`, `sudo pip install`), or None."""
    for index, word in enumerate(words[:-1]):
        if re.fullmatch(r"(?:.*/)?pip3?(?:\.\d+)?", word) and words[index + 1] == "install":
            return index + 2
    return None


def installed_version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a broken distribution is the same as none
        return None


def parse_target(text: str) -> tuple[str, str]:
    """`transformers==4.57.6` (or `transformers=4.57.6`) from --target-version."""
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*={1,2}\s*([0-9][^\s]*)\s*$", text)
    if not match or parse_version(match.group(2)) is None:
        raise VersionError(f"--target-version expects PACKAGE==VERSION, got {text!r}")
    package = match.group(1).lower().replace("_", "-")
    if package not in KNOWN_VERSIONS:
        raise VersionError(f"--target-version: unknown package {package!r}; "
                           f"known: {', '.join(PACKAGES)}")
    return package, match.group(2)


def resolve_versions(cli: dict[str, str], settings: dict[str, str], directories: list[Path],
                     use_installed: bool = True,
                     installs: dict[str, ResolvedVersion] | None = None,
                     dialects: frozenset[str] = frozenset()) -> dict[str, ResolvedVersion]:
    """`installs`: what the run's own files install (a notebook's `!pip install` lines), which
    comes before the requirements files beside it. `dialects`: the front ends the run imports
    (unsloth), whose release constrains the libraries that nothing pins exactly."""
    pins = pins_near(directories)
    resolved: dict[str, ResolvedVersion] = {}
    for package in (*PACKAGES, *(name for name in DIALECT_PACKAGES if name in dialects)):
        if package in cli:
            resolved[package] = ResolvedVersion(cli[package], "cli")
        elif package in settings:
            resolved[package] = ResolvedVersion(settings[package], "settings")
        elif installs and package in installs:
            resolved[package] = installs[package]
        elif package in pins:
            resolved[package] = pins[package]
        elif use_installed and (version := installed_version(package)):
            resolved[package] = ResolvedVersion(version.split("+", 1)[0], "installed")
        else:
            known = known_versions(package)
            resolved[package] = ResolvedVersion(known[-1], "newest-known")
    if "unsloth" in resolved:
        _constrain(resolved, resolved["unsloth"])
    return resolved


def _constrain(resolved: dict[str, ResolvedVersion], unsloth_release: ResolvedVersion) -> None:
    """The versions unsloth's release requires, for each library nothing pins exactly: pip
    installs unsloth's dependencies inside its ranges."""
    from peft_lint.knowledge import unsloth
    from peft_lint.knowledge.versions import satisfies

    requires = unsloth.requires(unsloth_release.version)
    label = f"unsloth {unsloth_release.version}'s requirements"
    for package, specifier in requires.items():
        current = resolved.get(package)
        if current is None or not specifier or current.source in ("cli", "settings") or \
                current.source.startswith("pin:"):
            continue
        if current.source == "installed" and satisfies(current.version, specifier):
            continue
        combined = specifier
        if current.source.startswith("range:"):
            combined += "," + current.source.rsplit(":", 1)[-1]
        version = newest_satisfying(known_versions(package), combined) or \
            newest_satisfying(known_versions(package), specifier)
        if version is not None:
            resolved[package] = ResolvedVersion(version, f"range:{label}:{specifier}")
