"""`[tool.peft-lint]` in the nearest pyproject.toml, or peft-lint.toml."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KNOWN_KEYS = frozenset({"target-versions"})


class SettingsError(ValueError):
    pass


@dataclass
class Settings:
    path: Path | None = None
    target_versions: dict[str, str] = field(default_factory=dict)


def load_toml_text(text: str) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None


def find_settings(start: Path) -> Settings:
    """The nearest settings file at or above start."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for folder in [current, *current.parents]:
        for name in ("peft-lint.toml", ".peft-lint.toml"):
            candidate = folder / name
            if candidate.is_file():
                return _read(candidate, table=None)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            settings = _read(pyproject, table=("tool", "peft-lint"))
            if settings.path is not None:
                return settings
        if (folder / ".git").exists():
            break
    return Settings()


def _read(path: Path, table: tuple[str, str] | None) -> Settings:
    data = load_toml_text(path.read_text(encoding="utf-8", errors="replace"))
    if data is None:
        raise SettingsError(f"{path}: invalid TOML")
    if table is not None:
        for key in table:
            data = data.get(key) if isinstance(data, dict) else None
            if data is None:
                return Settings()
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: [tool.peft-lint] must be a table")
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}")
    return Settings(path, _target_versions(path, data.get("target-versions", {})))


def _target_versions(path: Path, raw: object) -> dict[str, str]:
    from peft_lint.inputs.versions import VersionError, parse_target

    items: list[str]
    if isinstance(raw, dict):
        items = [f"{name}=={version}" for name, version in raw.items()]
    elif isinstance(raw, list):
        items = [str(item) for item in raw]
    else:
        raise SettingsError(f"{path}: target-versions must be a table or a list")
    versions: dict[str, str] = {}
    for item in items:
        try:
            package, version = parse_target(item)
        except VersionError as error:
            raise SettingsError(f"{path}: {error}".replace("--target-version", "target-versions")) \
                from None
        versions[package] = version
    return versions
