"""What DeepSpeed's own config models refuse in the DeepSpeed config a run trains with.

DeepSpeed validates some sections of its JSON with pydantic models (knowledge/deepspeed.py
SECTIONS): an unknown key (`extra="forbid"`), a value outside an Enum (`stage: 4`, an offload
`device: gpu`) or outside a bound (`reduce_bucket_size: 0`) raises a ValidationError when
`deepspeed.initialize` builds the config, or when transformers loads a ZeRO-3 model. The
models' schemas are generated per DeepSpeed release; a key or value is judged only where the
run certainly holds it, and a value "auto" is never judged (DeepSpeed drops it first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from peft_lint.facts.config_keys import written_in
from peft_lint.facts.model import KeyCheck, RejectedValue, Span
from peft_lint.facts.values import Const, DictValue


@dataclass
class DeepSpeedProblems:
    unknown_keys: list[KeyCheck] = field(default_factory=list)
    rejected: list[RejectedValue] = field(default_factory=list)


def deepspeed_problems(config: DictValue, versions: dict[str, str]) -> DeepSpeedProblems:
    """The unknown keys and refused values of a DeepSpeed JSON (or `deepspeed=` dict)."""
    from peft_lint.knowledge import deepspeed

    found = DeepSpeedProblems()
    for section, canonical in deepspeed.SECTIONS.items():
        values = config.entries.get(section)
        if deepspeed.READ_UNLESS.get(section) in config.entries:
            continue
        if isinstance(values, DictValue):  # `zero_optimization: true` is the pre-0.4 form
            _validate(found, canonical, canonical, values, section, "", versions)
    return found


def _validate(found: DeepSpeedProblems, outer: str, canonical: str, values: DictValue, path: str,
              location: str, versions: dict[str, str]) -> None:
    """One model over one section; `outer` is the model whose error reports it, `location` the
    field path pydantic prints (`offload_optimizer.device`)."""
    from peft_lint.knowledge import config_models, deepspeed, fields

    schema = fields.model_schema(canonical, versions)
    if schema is None:
        return
    model = outer.rsplit(".", 1)[-1]
    unknown: list[tuple[str, Span]] = []
    written: dict[str, object] = {}  # field -> value
    keys: dict[str, str] = {}  # field -> the key it is written as (its name or its alias)
    for key, value in values.entries.items():
        span = values.key_spans.get(key) or value.span
        name = schema.field_of(key)
        if isinstance(value, Const) and value.value == deepspeed.DROPPED_VALUE:
            continue
        if name is None:
            if schema.forbids_extra and span is not None:
                unknown.append((f"{path}.{key}", span))
            continue
        nested = _nested_model(schema.types.get(name, ""))
        if isinstance(value, DictValue) and nested is not None:
            _validate(found, outer, nested, value, f"{path}.{key}", f"{location}{key}.", versions)
        elif isinstance(value, Const):
            written[name], keys[name] = value.value, key
    if unknown:
        # the key is its path in the JSON; pydantic names it without the section
        refusal = deepspeed.EXTRA_FORBIDDEN_V1 if schema.api == "v1" else deepspeed.EXTRA_FORBIDDEN
        found.unknown_keys.append(KeyCheck(model, "deepspeed", unknown,
                                           schema.fields | frozenset(schema.aliases.values()),
                                           "deepspeed", (canonical,), refusal=refusal))
    for bad in config_models.validate(canonical, versions, "model", written):
        key = keys[bad.key]
        entry = values.entries[key]
        span = entry.span or values.key_spans.get(key)
        error = deepspeed.validation_error(model, f"{location}{key}", bad.error, schema.api == "v1")
        found.rejected.append(RejectedValue(
            model, f"{path}.{key}", bad.value, span, "model", bad.check.kind, error,
            tuple(map(str, bad.check.choices)), written_in(span), "deepspeed"))


def _nested_model(annotation: str) -> str | None:
    """The model class a field's annotation names (`Optional[DeepSpeedZeroOffloadParamConfig]`)."""
    from peft_lint.knowledge import fields

    names = set(re.findall(r"\w+", annotation))
    for canonical, (package, name) in fields.TABLES.items():
        if package == "deepspeed" and name in names:
            return canonical
    return None
