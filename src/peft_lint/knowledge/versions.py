"""Version numbers and specifier ranges: PEP 440 as `packaging` reads it.

`packaging.version` and `packaging.specifiers` cost about 7 ms to import and are on every lint
(every rule compares versions); requirement lines and their markers (`packaging.requirements`,
about 25 ms more) are read in inputs/versions.py, only where a run has pin files.
"""

from __future__ import annotations

import functools

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

# sorts before every release: the key of a text that is not a version
NO_VERSION = Version("0.dev0")


@functools.lru_cache(maxsize=4096)  # the same few versions are compared for every rule
def parse_version(text: str) -> Version | None:
    """The version a text names, or None if it is not a PEP 440 version."""
    if len(text) > 200:  # no real version; keeps int() within its digit limit
        return None
    try:
        return Version(text)
    except (InvalidVersion, ValueError):  # ValueError: a number past int()'s digit limit
        return None


def sort_key(text: str) -> Version:
    """A key that sorts versions, texts that are not versions first."""
    return parse_version(text) or NO_VERSION


def minor_of(text: str) -> tuple[int, int] | None:
    """(major, minor) of a version; None if it is not one."""
    version = parse_version(text)
    if version is None:
        return None
    release = (*version.release, 0)
    return release[0], release[1]


def version_at_least(version: str, minimum: str) -> bool:
    left, right = parse_version(version), parse_version(minimum)
    if left is None or right is None:
        raise ValueError(f"not a version: {version!r} or {minimum!r}")
    return left >= right


@functools.lru_cache(maxsize=1024)
def parse_specifier(text: str) -> SpecifierSet | None:
    """A comma-separated specifier (`>=4.40,<5`, `~=4.57.0`, `==4.*`, `===4.57.6`); None if it is
    not one."""
    if len(text) > 500:  # no real specifier; keeps int() within its digit limit
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def satisfies(version: str, specifier: str) -> bool:
    """Whether version satisfies a specifier like '>=4.40,<5' (pre-releases count when named)."""
    key, spec = parse_version(version), parse_specifier(specifier)
    if key is None or spec is None:
        return False
    try:
        return spec.contains(key, prereleases=True)
    except ValueError:  # a specifier's version past int()'s digit limit
        return False


def newest_satisfying(known: list[str], specifier: str) -> str | None:
    candidates = [version for version in known if satisfies(version, specifier)]
    return max(candidates, key=sort_key) if candidates else None
