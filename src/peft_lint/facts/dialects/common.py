"""What the framework dialects share: a config key as a fact."""

from __future__ import annotations

from peft_lint.facts.model import Fact
from peft_lint.facts.values import Const, DictValue


def _fact(config: DictValue, key: str, default: object, detail: str) -> Fact[object]:
    entry = config.entries.get(key)
    if isinstance(entry, Const):
        return Fact.written(entry.value, entry.span)
    if entry is not None:
        return Fact.unknown(f"`{key}` is not a plain value", entry.span)
    return Fact.default(default, detail, config.span)
