"""`[tool.peft-lint]` in the nearest pyproject.toml, or peft-lint.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peft_lint.inputs.toml_text import parse_toml_text

if TYPE_CHECKING:
    from pydantic import BaseModel

KNOWN_KEYS = ("target-versions", "select", "extend-select", "ignore", "per-file-ignores", "severity")
SEVERITIES = ("error", "warning", "info")
# what each key takes, for the message of a value of the wrong kind
EXPECTED = {
    "target-versions": "must be a table of package = \"version\", or a list of \"PKG==VER\"",
    "select": "must be a list of rule codes, names or code prefixes",
    "extend-select": "must be a list of rule codes, names or code prefixes",
    "ignore": "must be a list of rule codes, names or code prefixes",
    "per-file-ignores": "must be a table of glob = [rules]",
    "severity": "must be a table of rule = \"error\" | \"warning\" | \"info\"",
}


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


def settings_model() -> type[BaseModel]:
    """The pydantic model of `[tool.peft-lint]` (and of peft-lint.toml): the reader validates a
    settings file with it, and the JSON schema is generated from it. Built on first use, so a run
    without a settings file never imports pydantic."""
    return _settings_model()


@lru_cache(maxsize=1)
def _settings_model() -> type[BaseModel]:
    from typing import Annotated, Literal

    from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

    from peft_lint.inputs.versions import PACKAGES

    selector = Annotated[str, StringConstraints(min_length=1)]
    selectors_text = "rule codes (PFT101), names (adalora-reentrant-gc-ddp), code prefixes (PFT1) or ALL"
    versions_table = create_model("TargetVersionsTable", __config__=ConfigDict(extra="forbid"),
                                  **{package: (str, None) for package in PACKAGES})  # type: ignore[call-overload]
    pinned = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+==.+$")]

    class SettingsTable(BaseModel):
        """peft-lint settings ([tool.peft-lint] in pyproject.toml, or peft-lint.toml)"""

        model_config = ConfigDict(extra="forbid", populate_by_name=True,
                                  title="peft-lint settings ([tool.peft-lint] in pyproject.toml, or "
                                        "peft-lint.toml)")

        target_versions: versions_table | list[pinned] = Field(  # type: ignore[valid-type]
            default_factory=list, alias="target-versions",
            description="library versions to assume, as a table or as PKG==VER strings")
        select: list[selector] = Field(default=["ALL"], description=selectors_text)
        extend_select: list[selector] = Field(default_factory=list, alias="extend-select",
                                              description=selectors_text)
        ignore: list[selector] = Field(default_factory=list, description=selectors_text)
        per_file_ignores: dict[str, list[selector]] = Field(
            default_factory=dict, alias="per-file-ignores",
            description="glob -> rules not reported in matching files")
        severity: dict[str, Literal["error", "warning", "info"]] = Field(
            default_factory=dict, description="rule -> severity it reports with")

    return SettingsTable


def json_schema() -> dict[str, object]:
    """The JSON schema of `[tool.peft-lint]` (and of peft-lint.toml), for editors and CI:
    generated from the settings model."""
    schema = settings_model().model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://github.com/peft-lint/peft-lint/blob/main/schemas/settings.schema.json",
            **schema}


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
    from peft_lint.inputs.paths import settings_candidates

    for candidate in settings_candidates(start):
        if candidate.name != "pyproject.toml":
            return _read(candidate, table=None)
        settings = _read(candidate, table=("tool", "peft-lint"))
        if settings.path is not None:
            return settings
    return Settings()


def _read(path: Path, table: tuple[str, str] | None) -> Settings:
    text = path.read_text(encoding="utf-8", errors="replace")
    data, error = parse_toml_text(text)
    if data is None:
        raise SettingsError(f"{path}: invalid TOML: {error}")
    try:
        return _settings(path, data, table)
    except SettingsError as error:
        raise SettingsError(_at_line(str(error), path, text, table or ())) from None


def _at_line(message: str, path: Path, text: str, table: tuple[str, ...]) -> str:
    """`path: key...` as `path:LINE: key...`, the line of the setting the message is about."""
    from peft_lint.inputs.toml_text import key_line

    prefix = f"{path}: "
    if not message.startswith(prefix):
        return message
    rest = message[len(prefix):]
    named = re.match(r"(?:unknown setting `)?([\w-]+)", rest)
    line = key_line(text, named.group(1), table) if named else None
    return f"{path}:{line}: {rest}" if line else message


def _settings(path: Path, data: Any, table: tuple[str, str] | None) -> Settings:
    if table is not None:
        for key in table:
            data = data.get(key) if isinstance(data, dict) else None
            if data is None:
                return Settings()
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: [tool.peft-lint] must be a table")
    validated = _validated(path, data)
    settings = Settings(path, _target_versions(path, data.get("target-versions", {})))
    for key in ("select", "extend_select", "ignore"):
        if key.replace("_", "-") in data:
            setattr(settings, key, _selectors(path, key.replace("_", "-"), getattr(validated, key)))
    settings.per_file_ignores = {pattern: _selectors(path, f"per-file-ignores.{pattern}", value)
                                 for pattern, value in validated.per_file_ignores.items()}
    _selectors(path, "severity", list(validated.severity))
    settings.severity = dict(validated.severity)
    return settings


def _validated(path: Path, data: dict[str, object]) -> Any:
    """The settings table, validated by the settings model; its first problem in peft-lint's
    words, at the key it is about."""
    from pydantic import ValidationError

    try:
        return settings_model().model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        # a union's branch shows in the location by its type (`TargetVersionsTable`, `list[str]`)
        where = ".".join(str(part) for part in problem["loc"]
                         if isinstance(part, str) and "[" not in part and part != "TargetVersionsTable")
        if problem["type"] == "extra_forbidden" and len(problem["loc"]) == 1:
            import difflib  # only for the did-you-mean of an error

            key = str(problem["loc"][0])
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(KNOWN_KEYS)})"
            raise SettingsError(f"{path}: unknown setting `{key}`{hint}") from None
        expected = EXPECTED.get(str(problem["loc"][0]), problem["msg"])
        raise SettingsError(f"{path}: {where}: {expected} (got {problem['input']!r})") from None


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
