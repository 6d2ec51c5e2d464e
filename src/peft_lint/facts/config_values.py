"""Written config values the libraries refuse at run time (for the invalid-config-value rule).

Every config the run builds is validated by the generated model of its class at the resolved
versions (knowledge/config_models.py), for the way it is read:
- command-line flags given to HfArgumentParser / TrlParser: argparse's choices ("argv");
- `TrainingArguments(...)` / a TRL config / `LoraConfig(...)` built from keyword arguments,
  HfArgumentParser's `parse_dict` / `parse_yaml_file` / `parse_json_file`, and TrlParser's
  `--config` file: what the class converts or checks ("construct").
Only values the run certainly holds (constants) are judged; a flag given on the command line
wins over the same key of a `--config` file.
"""

from __future__ import annotations

from peft_lint.extract.python_objects import AdapterConfig, LocalClass, ObjectValue, ParsedConfig
from peft_lint.extract.python_script import ScriptFacts
from peft_lint.facts.config_keys import local_fields, written_in
from peft_lint.facts.context import Context
from peft_lint.facts.model import RejectedValue
from peft_lint.facts.values import Const, DictValue, Ref, Value


def rejected_values(context: Context, facts: ScriptFacts) -> list[RejectedValue]:
    versions = {package: resolved.version for package, resolved in context.versions.items()}
    found: list[RejectedValue] = []
    for training_args in facts.training_args:
        if training_args.from_call:
            found += _validate(training_args.canonical, training_args.values, versions, "construct")
    for quantization in facts.quantization_configs:
        if quantization.canonical == "transformers.BitsAndBytesConfig":
            found += _validate(quantization.canonical, quantization.kwargs, versions, "construct")
    for adapter in facts.adapter_configs:
        if isinstance(adapter.obj, AdapterConfig):
            found += _validate(adapter.obj.canonical, adapter.obj.kwargs, versions, "construct")
    if isinstance(context.accelerate_config, DictValue):
        found += _validate("accelerate.ClusterConfig", context.accelerate_config, versions, "construct",
                           _accelerate_checked(context.accelerate_config))
    flags = [parsed for parsed in facts.parsed_configs if parsed.via == "cli-flags"]
    for parsed in facts.parsed_configs:
        route = "argv" if parsed.via == "cli-flags" else "construct"
        overridden = {key for other in flags if other.types is parsed.types
                      for key in other.values.entries} if parsed.via == "trl-config" else set()
        for canonical, keys in _by_class(parsed, versions, overridden):
            found += _validate(canonical, parsed.values, versions, route, keys)
    return _one_per_value(found)


def _accelerate_checked(config: DictValue) -> set[str]:
    """The keys of an accelerate config that `accelerate launch` checks: mixed_precision only
    for the launches whose check was reproduced."""
    from peft_lint.knowledge import accelerate

    kind = config.entries.get("distributed_type")
    if isinstance(kind, Const) and kind.value in accelerate.MIXED_PRECISION_CHECKED_FOR:
        return set(config.entries)
    return set(config.entries) - {"mixed_precision"}


def _one_per_value(found: list[RejectedValue]) -> list[RejectedValue]:
    """A value two dataclasses (or two reads of one file) both reject is one finding."""
    seen: set[tuple[object, str]] = set()
    unique: list[RejectedValue] = []
    for rejected in found:
        where = (rejected.span.path, rejected.span.line, rejected.span.column) if rejected.span else None
        if (where, rejected.key) not in seen:
            seen.add((where, rejected.key))
            unique.append(rejected)
    return unique


def _by_class(parsed: ParsedConfig, versions: dict[str, str],
              overridden: set[str]) -> list[tuple[str, set[str]]]:
    """The parsed keys each of the parser's dataclasses gets: every field it has
    (HfArgumentParser hands a key to each dataclass with that field); a key a project class
    declares itself is its own, and not judged for it."""
    from peft_lint.knowledge import fields

    split: list[tuple[str, set[str]]] = []
    for kind in parsed.types:
        canonical, own = _library_class(kind)
        if canonical is not None:
            known = fields.fields(canonical, versions) or frozenset()
            split.append((canonical, {key for key in parsed.values.entries
                                      if key in known and key not in own and key not in overridden}))
    return split


def _library_class(kind: Value) -> tuple[str | None, set[str]]:
    """(the library class whose fields a parser's dataclass has, the project's own fields)."""
    from peft_lint.knowledge import fields

    if isinstance(kind, Ref):
        return (kind.name if kind.name in fields.TABLES else None), set()
    if isinstance(kind, ObjectValue) and isinstance(kind.obj, LocalClass) and not kind.obj.unknown_bases:
        base = next((base for base in kind.obj.bases if base in fields.TABLES), None)
        own = local_fields(kind.obj)
        return (base, own) if own is not None else (None, set())
    return None, set()


def _validate(canonical: str, values: DictValue, versions: dict[str, str], route: str,
              keys: set[str] | None = None) -> list[RejectedValue]:
    """The values (of `keys`, default all) the class's generated model rejects."""
    from peft_lint.knowledge import config_models

    written = {key: entry.value for key, entry in values.entries.items()
               if isinstance(entry, Const) and (keys is None or key in keys)}
    rejected: list[RejectedValue] = []
    for bad in config_models.validate(canonical, versions, route, written):
        entry = values.entries[bad.key]
        span = entry.span or values.key_spans.get(bad.key)
        rejected.append(RejectedValue(canonical.rsplit(".", 1)[-1], bad.key, bad.value, span, route,
                                      bad.check.kind, bad.error, bad.check.choices, written_in(span, route),
                                      _deciding_package(canonical, bad.key, versions)))
    return rejected


def _deciding_package(canonical: str, key: str, versions: dict[str, str]) -> str:
    """The library whose release decides a field: transformers for what a TRL config shares
    with TrainingArguments, else the class's own."""
    from peft_lint.knowledge import fields

    package = canonical.split(".")[0]
    if package == "trl" and key in (fields.fields("transformers.TrainingArguments", versions) or ()):
        return "transformers"
    return package
