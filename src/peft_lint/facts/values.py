"""Abstract values shared by the Python and config front-ends (data only, like the rest of
`facts/`: the front-ends make them, rules and renderers read them).

A config file becomes the same `DictValue` tree a Python dict literal does, so
`TrainingArguments(**yaml.safe_load(f)["training"])` and a YAML file named by
HfArgumentParser are read by one mechanism, with spans into the file that wrote
each value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from peft_lint.facts.model import Fact, Span


@dataclass(eq=False)
class Value:
    span: Span | None


@dataclass(eq=False)
class Const(Value):
    value: object
    # a library's default rather than a value written in the run ("default of ModelConfig")
    default_of: str = ""


@dataclass(eq=False)
class DictValue(Value):
    entries: dict[str, Value] = field(default_factory=dict)
    # False when part of the dict is not known (a `**unknown` splat, a computed key)
    complete: bool = True
    key_spans: dict[str, Span] = field(default_factory=dict)
    # why it is not complete, when one part says (a config whose path is computed at run time)
    unknown_part: Unknown | None = None

    def get(self, key: str) -> Value | None:
        """The entry, None if known absent; an Unknown if it may be present."""
        if key in self.entries:
            return self.entries[key]
        if not self.complete:
            return Unknown(self.span, f"`{key}` may be set by a part of the dict that is computed")
        return None

    def without(self, *keys: str) -> DictValue:
        """The same dict less some keys (with their locations)."""
        return DictValue(self.span, {key: value for key, value in self.entries.items() if key not in keys},
                         self.complete,
                         {key: where for key, where in self.key_spans.items() if key not in keys})


@dataclass(eq=False)
class ListValue(Value):
    items: list[Value] = field(default_factory=list)
    complete: bool = True


@dataclass(eq=False)
class Unknown(Value):
    reason: str = "computed at run time"


@dataclass(eq=False)
class Ref(Value):
    """A module, class or function, by canonical dotted name (`peft.get_peft_model`)."""

    name: str


def to_fact(value: Value | None, absent: Fact[object]) -> Fact[object]:
    """A fact from a value: written if constant, `absent` when missing."""
    if value is None:
        return absent
    if isinstance(value, Const):
        return Fact.default(value.value, value.default_of, value.span) if value.default_of else \
            Fact.written(value.value, value.span)
    if isinstance(value, Unknown):
        return Fact.unknown(value.reason, value.span)
    if isinstance(value, DictValue):
        return Fact.written(value, value.span)
    return Fact.unknown("not a constant", value.span)


def truthy(value: Value | None) -> bool | None:
    """Python truthiness of a constant, None when unknown."""
    if isinstance(value, Const):
        raw = value.value
        if isinstance(raw, str):
            lowered = raw.strip().lower()
            # HfArgumentParser's string_to_bool: yes/true/t/y/1 and no/false/f/n/0
            if lowered in ("yes", "true", "t", "y", "1"):
                return True
            if lowered in ("no", "false", "f", "n", "0"):
                return False
            return None
        return bool(raw)
    return None


def plain(value: Value | None) -> object:
    """The Python object a value stands for; Unknown parts become None."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, DictValue):
        return {key: plain(entry) for key, entry in value.entries.items()}
    if isinstance(value, ListValue):
        return [plain(item) for item in value.items]
    return None
