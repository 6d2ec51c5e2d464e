"""What each library release's code does that a check needs, generated from its source
(data/behaviours-<package>.json, `scripts/gen_knowledge.py --behaviours`): per behaviour, a
value per recorded release."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


def behaviour(package: str, name: str, version: str) -> object | None:
    """A behaviour's value for a release: its own record, else the value every recorded patch of
    its minor shares; None when they differ or none is recorded (a fresh copy each call)."""
    found = _lookup(package, name, version)
    return None if found is None else json.loads(found)


@lru_cache(maxsize=8)
def _document(package: str) -> dict[str, dict[str, object]]:
    path = DATA / f"behaviours-{package}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}  # type: ignore[no-any-return]


@lru_cache(maxsize=256)
def _lookup(package: str, name: str, version: str) -> str | None:
    """The value as JSON text (hashable, cached)."""
    from peft_lint.knowledge.versions import minor_of

    table = _document(package).get(name, {})
    if not isinstance(table, dict):
        return None
    if version in table:
        return json.dumps(table[version], sort_keys=True)
    minor = minor_of(version)
    if minor is None:
        return None
    same_minor = {json.dumps(value, sort_keys=True) for listed, value in table.items()
                  if minor_of(listed) == minor}
    return same_minor.pop() if len(same_minor) == 1 else None
