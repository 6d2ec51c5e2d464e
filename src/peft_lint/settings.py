"""`[tool.peft-lint]` in the nearest pyproject.toml, or peft-lint.toml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peft_lint.inputs.toml_text import load_toml_text

KNOWN_KEYS = ("target-versions", "select", "extend-select", "ignore", "per-file-ignores", "severity")
SEVERITIES = ("error", "warning", "info")


class SettingsError(ValueError):
    pass


@dataclass
class Settings:
    path: Path | None = None
    target_versions: dict[str, str] = field(default_factory=dict)
    # rule selectors: a code (PFT101), a name (adalora-reentrant-gc-ddp), a code prefix (PFT1), ALL
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> selectors
    severity: dict[str, str] = field(default_factory=dict)  # selector -> error / warning / info

    def enabled(self, code: str, name: str, path: str = "") -> bool:
        """Whether a rule reports, in general or (with path) in that file."""
        chosen = _matches(self.select + self.extend_select, code, name) and \
            not _matches(self.ignore, code, name)
        if chosen and path:
            candidates = [path, *self._project_relative(path)]
            return not any(_matches(selectors, code, name) for pattern, selectors in
                           self.per_file_ignores.items()
                           if any(_path_matches(pattern, candidate) for candidate in candidates))
        return chosen

    def _project_relative(self, path: str) -> list[str]:
        """The path from the settings file's folder (globs are written from there), if inside."""
        if self.path is None:
            return []
        try:
            return [Path(path).resolve().relative_to(self.path.parent.resolve()).as_posix()]
        except (ValueError, OSError):
            return []

    def severity_of(self, code: str, name: str) -> str | None:
        """The severity the settings give the rule, or None to keep its own."""
        found = [level for selector, level in self.severity.items() if _matches([selector], code, name)]
        return found[-1] if found else None

    def shown(self) -> dict[str, object]:
        return {"settings file": str(self.path) if self.path else "(none: defaults)",
                "target-versions": self.target_versions, "select": self.select,
                "extend-select": self.extend_select, "ignore": self.ignore,
                "per-file-ignores": self.per_file_ignores, "severity": self.severity}


def json_schema() -> dict[str, object]:
    """The JSON schema of `[tool.peft-lint]` (and of peft-lint.toml), for editors and CI."""
    from peft_lint.inputs.versions import PACKAGES

    selectors = {"type": "array", "items": {"type": "string", "minLength": 1},
                 "description": "rule codes (PFT101), names (adalora-reentrant-gc-ddp), code prefixes "
                                "(PFT1) or ALL"}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://github.com/peft-lint/peft-lint/blob/main/schemas/settings.schema.json",
        "title": "peft-lint settings ([tool.peft-lint] in pyproject.toml, or peft-lint.toml)",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "target-versions": {
                "description": "library versions to assume, as a table or as PKG==VER strings",
                "oneOf": [
                    {"type": "object", "additionalProperties": False,
                     "properties": {package: {"type": "string"} for package in PACKAGES}},
                    {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+==.+$"}},
                ]},
            "select": {**selectors, "default": ["ALL"]},
            "extend-select": selectors,
            "ignore": selectors,
            "per-file-ignores": {"type": "object", "additionalProperties": selectors,
                                 "description": "glob -> rules not reported in matching files"},
            "severity": {"type": "object", "additionalProperties": {"enum": list(SEVERITIES)},
                         "description": "rule -> severity it reports with"},
        },
    }


def _matches(selectors: list[str], code: str, name: str) -> bool:
    for selector in selectors:
        wanted = selector.strip()
        if wanted.upper() == "ALL" or wanted.lower() == name or \
                (wanted.upper().startswith("PFT") and code.startswith(wanted.upper())):
            return True
    return False


def _path_matches(pattern: str, path: str) -> bool:
    from fnmatch import fnmatch

    posix = Path(path).as_posix()
    return fnmatch(posix, pattern) or fnmatch(Path(path).name, pattern) or \
        fnmatch(posix, f"*/{pattern}") or posix.startswith(pattern.rstrip("/") + "/")


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
    for key in data:
        if key not in KNOWN_KEYS:
            import difflib  # only for the did-you-mean of an error

            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(KNOWN_KEYS)})"
            raise SettingsError(f"{path}: unknown setting `{key}`{hint}")
    settings = Settings(path, _target_versions(path, data.get("target-versions", {})))
    for key in ("select", "extend-select", "ignore"):
        if key in data:
            setattr(settings, key.replace("-", "_"), _selectors(path, key, data[key]))
    raw_files = data.get("per-file-ignores", {})
    if not isinstance(raw_files, dict):
        raise SettingsError(f"{path}: per-file-ignores must be a table of glob = [rules]")
    settings.per_file_ignores = {pattern: _selectors(path, f"per-file-ignores.{pattern}", value)
                                 for pattern, value in raw_files.items()}
    raw_severity = data.get("severity", {})
    if not isinstance(raw_severity, dict) or \
            any(not isinstance(level, str) or level not in SEVERITIES for level in raw_severity.values()):
        raise SettingsError(f"{path}: severity must be a table of rule = \"error\" | \"warning\" | \"info\"")
    _selectors(path, "severity", list(raw_severity))
    settings.severity = dict(raw_severity)
    return settings


def _selectors(path: Path, key: str, raw: object) -> list[str]:
    """A list of rule selectors, each naming at least one rule."""
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise SettingsError(f"{path}: {key} must be a list of rule codes, names or code prefixes")
    check_selectors(f"{path}: {key}", raw)
    return list(raw)


def check_selectors(where: str, selectors: list[str]) -> None:
    """Raise SettingsError for a selector that names no rule, with a did-you-mean."""
    from peft_lint.engine.registry import all_rules

    rules = all_rules()
    for selector in selectors:
        if not any(_matches([selector], rule.code, rule.name) for rule in rules):
            names = [rule.name for rule in rules] + [rule.code for rule in rules]
            import difflib

            close = difflib.get_close_matches(selector, names, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise SettingsError(f"{where}: `{selector}` selects no rule{hint}")


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
