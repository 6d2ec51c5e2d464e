"""Version numbers: parsing, comparison and specifier ranges, without `packaging`.

peft-lint must start fast and must not depend on what the user's environment
has installed, so this is a small PEP 440 subset: release numbers with optional
pre/dev/post/local parts, and the comparison operators used in requirement pins.
"""

from __future__ import annotations

import functools
import re

_VERSION = re.compile(
    r"^\s*v?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|b|rc|alpha|beta|c)[-_.]?(?P<pre_n>\d*))?"
    r"(?:[-_.]?post[-_.]?(?P<post>\d*))?"
    r"(?:[-_.]?dev[-_.]?(?P<dev>\d*))?"
    r"(?:\+[a-z0-9.]+)?\s*$",
    re.IGNORECASE | re.ASCII,
)

VersionKey = tuple[tuple[int, ...], int, int]


@functools.lru_cache(maxsize=4096)  # the same few versions are compared for every rule
def parse_version(text: str) -> VersionKey | None:
    """A sortable key for a version string, or None if it is not a version."""
    match = _VERSION.match(text)
    if match is None or len(text) > 200:  # no real version; keeps int() within its digit limit
        return None
    release = tuple(int(part) for part in match.group("release").split("."))
    release = release + (0,) * (4 - len(release)) if len(release) < 4 else release
    # dev < pre < final < post, all before the next release
    if match.group("dev") is not None and match.group("pre") is None:
        stage = -2
    elif match.group("pre") is not None:
        stage = -1
    elif match.group("post") is not None:
        stage = 1
    else:
        stage = 0
    number = int(match.group("pre_n") or match.group("post") or 0)
    return release, stage, number


def version_at_least(version: str, minimum: str) -> bool:
    left, right = parse_version(version), parse_version(minimum)
    if left is None or right is None:
        raise ValueError(f"not a version: {version!r} or {minimum!r}")
    return left >= right


_SPEC = re.compile(r"^\s*(===|==|!=|~=|>=|<=|>|<)\s*([^\s,;]+)\s*$")


def satisfies(version: str, specifier: str) -> bool:
    """Whether version satisfies a comma-separated specifier like '>=4.40,<5'."""
    key = parse_version(version)
    if key is None:
        return False
    for clause in filter(None, (part.strip() for part in specifier.split(","))):
        match = _SPEC.match(clause)
        if match is None:
            return False
        operator, target = match.groups()
        if not _clause_holds(version, key, operator, target):
            return False
    return True


def _clause_holds(version: str, key: VersionKey, operator: str, target: str) -> bool:
    if target.endswith(".*"):
        prefix = target[:-2]
        matches = version == prefix or version.startswith(prefix + ".")
        return matches if operator == "==" else not matches if operator == "!=" else False
    target_key = parse_version(target)
    if target_key is None:
        return False
    if operator in ("==", "==="):
        return key == target_key
    if operator == "!=":
        return key != target_key
    if operator == ">=":
        return key >= target_key
    if operator == "<=":
        return key <= target_key
    if operator == ">":
        return key > target_key
    if operator == "<":
        return key < target_key
    # ~=X.Y(.Z): >= X.Y(.Z) and == X.* (drop the last component)
    parts = target.split(".")
    upper_prefix = ".".join(parts[:-1])
    return key >= target_key and (version == upper_prefix or version.startswith(upper_prefix + "."))


def newest_satisfying(known: list[str], specifier: str) -> str | None:
    candidates = [version for version in known if satisfies(version, specifier)]
    if not candidates:
        return None
    return max(candidates, key=lambda version: parse_version(version) or ((0,), 0, 0))
