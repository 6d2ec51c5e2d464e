"""Which library versions a run uses, and why peft-lint thinks so.

Order (docs/architecture.md, "Contracts"): --target-version, then `[tool.peft-lint] target-versions`,
then pins in requirements files / pyproject.toml beside the run, then the
installed distributions (read with importlib.metadata, never imported), else the
newest version the knowledge covers. A range resolves to the newest known
version inside it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from peft_lint.facts.model import ResolvedVersion
from peft_lint.inputs.paths import folders_up, pin_files
from peft_lint.knowledge import accelerate, bitsandbytes, deepspeed, peft, torch, transformers, trl
from peft_lint.knowledge.versions import minor_of, newest_satisfying, parse_specifier, parse_version

KNOWN_VERSIONS: dict[str, list[str]] = {
    module.PACKAGE: module.KNOWN_VERSIONS
    for module in (torch, transformers, peft, trl, accelerate, bitsandbytes, deepspeed)
}
PACKAGES = tuple(KNOWN_VERSIONS)


class VersionError(ValueError):
    pass


# `git+https://github.com/huggingface/transformers.git@<ref>#egg=transformers`, alone or after
# `name @ `: the repository (its name is the package's, unless #egg= says), and the ref
_GIT_URL = re.compile(r"git\+\S*?/(?P<repo>[A-Za-z0-9_.-]+?)(?:\.git)?(?:@(?P<ref>[^#\s]+))?"
                      r"(?:#egg=(?P<egg>[A-Za-z0-9_.-]+))?$")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


def git_requirement(text: str) -> tuple[str, str] | None:
    """(package, specifier) of a requirement installed from git: `==X` for a release tag
    (`@v4.40.0`), `@<sha>` for a commit (a release peft-lint cannot date), `` for a branch
    (its newest code)."""
    requirement = text.split(";", 1)[0].strip()
    name, _, url = requirement.partition(" @ ") if " @ " in requirement else ("", "", requirement)
    match = _GIT_URL.search(url.strip())
    if match is None:
        return None
    package = (name.split("[", 1)[0] or match.group("egg") or match.group("repo")).lower().replace("_", "-")
    ref = match.group("ref") or ""
    tag = re.fullmatch(r"v?(\d+(?:\.\d+)+)", ref)
    if tag:
        return package, f"=={tag.group(1)}"
    return package, f"@{ref}" if _COMMIT.match(ref) else ""


def parse_requirement(line: str) -> tuple[str, str] | None:
    """('transformers', '>=4.40,<5') from a requirement line, read as PEP 508 by `packaging`
    (extras, environment markers, `name @ url`); None for anything else, and for a requirement
    whose marker does not hold on the run's machine (RUN_ENVIRONMENT): it installs nothing there."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    text = _REQUIREMENT_COMMENT.sub("", line).strip()
    if not text or text.startswith("-"):
        return None
    if len(text) > 1000:  # no real requirement line
        return None
    try:
        requirement = Requirement(text)
    except (InvalidRequirement, ValueError):
        return None
    if requirement.marker is not None and not requirement.marker.evaluate(run_environment()):
        return None
    if requirement.url:
        return None  # a direct reference: git_requirement reads the git ones
    clauses = sorted(requirement.specifier, key=lambda clause: (_OPERATOR_ORDER.index(clause.operator),
                                                                str(clause)))
    return canonicalize_name(requirement.name), ",".join(str(clause) for clause in clauses)


# pip's comment: `#` at the start or after whitespace (a URL's `#egg=` is not one)
_REQUIREMENT_COMMENT = re.compile(r"(?:^|\s)#.*$")
# how a range reads best: its lower bounds, then exact and excluded versions, then upper bounds
_OPERATOR_ORDER = (">", ">=", "~=", "===", "==", "!=", "<=", "<")


@lru_cache(maxsize=1)
def run_environment() -> dict[str, str]:
    """The machine environment markers are judged on: the runs peft-lint checks train on Linux
    x86-64 (CUDA machines); the Python version is this interpreter's, as the run's is not known."""
    from packaging.markers import default_environment

    environment: dict[str, str] = dict(default_environment())  # type: ignore[arg-type]
    environment.update(sys_platform="linux", platform_system="Linux", os_name="posix",
                       platform_machine="x86_64")
    return environment


# Front ends whose release pins the libraries' versions (resolved only for runs that use them).
DIALECT_PACKAGES = ("unsloth",)


def known_versions(package: str) -> list[str]:
    if package == "unsloth":
        from peft_lint.knowledge import unsloth

        return unsloth.known_versions()
    return KNOWN_VERSIONS.get(package, [])


def pinned(package: str, specifier: str, label: str) -> ResolvedVersion | None:
    """What a requirement pins: an exact version, the newest known inside a range, or for a
    git commit the newest known release, marked as a guess (`git:` source). None when it
    pins nothing (no specifier, a branch, a range without a known version)."""
    if specifier.startswith("@"):
        return ResolvedVersion(known_versions(package)[-1], f"git:{label}:{specifier[1:]}")
    version = resolve_specifier(package, specifier) if specifier else None
    if version is None:
        return None
    exact = exact_pin(specifier) is not None
    return ResolvedVersion(version, f"pin:{label}" if exact else f"range:{label}:{specifier}")


def exact_pin(specifier: str) -> str | None:
    """The version a specifier pins exactly (`==4.57.6`, `===4.57.6`, a local `+cu121` dropped);
    None for a range or a wildcard."""
    clauses = list(parse_specifier(specifier) or ())
    if len(clauses) != 1 or clauses[0].operator not in ("==", "===") or clauses[0].version.endswith(".*"):
        return None
    version = parse_version(clauses[0].version)
    return version.public if version is not None else None


def resolve_specifier(package: str, specifier: str) -> str | None:
    """A version from a pin: exact for ==, newest known inside a range."""
    if not specifier:
        return None
    return exact_pin(specifier) or newest_satisfying(known_versions(package), specifier)


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


def _folder_pins(folder: Path) -> list[tuple[str, ResolvedVersion]]:
    if folder not in _FOLDER_PINS:
        found: list[tuple[str, ResolvedVersion]] = []
        for file in pin_files(folder):
            if file.is_file():
                found += _pins_in(file).items()
        found += _own_source_tree(folder)
        _FOLDER_PINS[folder] = found
    return _FOLDER_PINS[folder]


_SETUP_NAME = re.compile(r"""\bname\s*=\s*["']([A-Za-z0-9_.-]+)["']""")
_SETUP_VERSION = re.compile(r"""\bversion\s*=\s*["']([0-9][^"']*)["']""")


def _own_source_tree(folder: Path) -> list[tuple[str, ResolvedVersion]]:
    """A folder that is a library's own source tree (its setup.py or pyproject.toml names the
    package and its version): scripts inside it, or a copy of it vendored into a repository
    and installed from there (`pip install -e ./peft`), run that version."""
    for name in ("setup.py", "pyproject.toml"):
        path = folder / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        package = _SETUP_NAME.search(text)
        version = _SETUP_VERSION.search(text)
        if package and version and package.group(1).lower() in PACKAGES and parse_version(version.group(1)):
            return [(package.group(1).lower(), ResolvedVersion(
                version.group(1), f"pin:{_label(path)} (the library's own source tree)"))]
    return []


def _label(file: Path) -> str:
    from peft_lint.inputs.paths import display_path

    return display_path(file)


def _pins_in(file: Path) -> dict[str, ResolvedVersion]:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    lines = text.splitlines()
    if file.suffix == ".txt":
        lines = _with_includes(file, lines, {file.resolve()})
    if file.name == "pyproject.toml":
        lines = _pyproject_dependencies(text)
    elif file.name == "setup.py":
        lines = _setup_py_requirements(text)
    elif file.name == "setup.cfg":
        lines = _setup_cfg_requirements(text)
    pins: dict[str, ResolvedVersion] = {}
    first_counts = file.name in ("setup.py", "setup.cfg")  # install_requires before the extras
    for line in lines:
        parsed = git_requirement(line) if "git+" in line else parse_requirement(line)
        if parsed is None or parsed[0] not in (*PACKAGES, *DIALECT_PACKAGES) or \
                (first_counts and parsed[0] in pins):
            continue
        resolved = pinned(parsed[0], parsed[1], _label(file))
        if resolved is not None:
            pins[parsed[0]] = resolved
    return pins


# pip's include of another requirements file: `-r base.txt`, `--requirement=base.txt`
_INCLUDE = re.compile(r"^\s*(?:-r|--requirement)(?:\s+|=)(\S+)")


def _with_includes(file: Path, lines: list[str], seen: set[Path], depth: int = 0) -> list[str]:
    """A requirements file's lines with the files it includes (`-r base.txt`, relative to it)
    read in their place, as pip reads them; each file once."""
    found: list[str] = []
    for line in lines:
        included = _INCLUDE.match(line)
        if included is None:
            found.append(line)
            continue
        target = (file.parent / included.group(1)).resolve()
        if target in seen or depth > 8 or not target.is_file():
            continue
        seen.add(target)
        try:
            text = target.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found += _with_includes(target, text.splitlines(), seen, depth + 1)
    return found


def _pyproject_dependencies(text: str) -> list[str]:
    from peft_lint.inputs.toml_text import load_toml_text

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


def _setup_py_requirements(text: str) -> list[str]:
    """The requirement strings a setup.py lists, in source order: every string of a list or
    tuple literal (`install_requires=[...]`, transformers-style `_deps = [...]` tables), read
    with ast, never run. Strings that are not requirements of a known library are dropped later."""
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple):
            found += [(item.lineno, item.col_offset, item.value) for item in node.elts
                      if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return [value for _line, _column, value in sorted(found)]


def _setup_cfg_requirements(text: str) -> list[str]:
    """`[options] install_requires` and `[options.extras_require]` of a setup.cfg."""
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    found: list[str] = []
    if parser.has_option("options", "install_requires"):
        found += parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _name, value in parser.items("options.extras_require"):
            found += value.splitlines()
    return [line.strip() for line in found if line.strip()]


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
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*={1,2}\s*(\S+)\s*$", text)
    if not match:
        raise VersionError(f"--target-version expects PACKAGE==VERSION, got {text!r}")
    package, version = match.group(1).lower().replace("_", "-"), match.group(2)
    if package not in KNOWN_VERSIONS:
        raise VersionError(f"--target-version: unknown package {package!r}; "
                           f"known: {', '.join(PACKAGES)}")
    key = parse_version(version)
    if key is None:
        raise VersionError(f"--target-version: {version!r} is not a valid version of {package} "
                           f"(a release such as {KNOWN_VERSIONS[package][-1]})")
    known = KNOWN_VERSIONS[package]
    minor, oldest, newest = minor_of(version), minor_of(known[0]), minor_of(known[-1])
    assert minor is not None and oldest is not None and newest is not None
    # a patch of a known minor is judged as that minor; outside the known minors nothing is
    if minor < oldest or minor > newest:
        raise VersionError(f"--target-version: peft-lint knows {package} {known[0]} to {known[-1]}; "
                           f"{package} {version} is outside what its checks were built from")
    return package, version


def resolve_versions(cli: dict[str, str], settings: dict[str, str], directories: list[Path],
                     use_installed: bool = True,
                     installs: dict[str, ResolvedVersion] | None = None,
                     dialects: frozenset[str] = frozenset(),
                     images: dict[str, ResolvedVersion] | None = None) -> dict[str, ResolvedVersion]:
    """`installs`: what the run's own files install (a notebook's `!pip install` lines), which
    comes before the requirements files beside it. `dialects`: the front ends the run imports
    (unsloth), whose release constrains the libraries that nothing pins exactly. `images`: the
    versions of the container a launcher runs the script in (a SageMaker estimator's), which
    the requirements files beside the script override."""
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
        elif images and package in images:
            resolved[package] = _image_version(package, images[package])
        elif use_installed and (version := installed_version(package)):
            resolved[package] = ResolvedVersion(version.split("+", 1)[0], "installed")
        else:
            known = known_versions(package)
            resolved[package] = ResolvedVersion(known[-1], "newest-known")
    if "unsloth" in resolved:
        _constrain(resolved, resolved["unsloth"])
    return resolved


def _image_version(package: str, image: ResolvedVersion) -> ResolvedVersion:
    """An image's `transformers_version='4.26'` is a minor release: its newest known patch, or
    the minor itself when peft-lint knows none of its patches."""
    patches = [version for version in known_versions(package)
               if version == image.version or version.startswith(image.version + ".")]
    return ResolvedVersion(patches[-1] if patches else image.version, image.source)


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
                current.source.startswith(("pin:", "newest:", "git:")):
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
