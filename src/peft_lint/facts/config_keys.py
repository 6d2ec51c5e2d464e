"""Config keys the resolved library versions do not have (for the unknown-config-key rule)."""

from __future__ import annotations

import ast

from peft_lint.extract.python_objects import (
    AdapterConfig,
    LocalClass,
    ObjectValue,
)
from peft_lint.extract.python_script import ScriptFacts
from peft_lint.facts.context import Context
from peft_lint.facts.model import (
    KeyCheck,
    Span,
    ValueCheck,
)
from peft_lint.facts.values import Const, DictValue, Ref, Value


def config_key_checks(context: Context, facts: ScriptFacts) -> list[KeyCheck]:

    versions = {package: resolved.version for package, resolved in context.versions.items()}
    checks: list[KeyCheck] = []
    for training_args in facts.training_args:
        if training_args.from_call:
            checks += _check_keys(training_args.canonical, training_args.values, versions, "call",
                                  context.dialects, context.notes)
    for value in facts.adapter_configs:
        if isinstance(value.obj, AdapterConfig):
            checks += _check_keys(value.obj.canonical, value.obj.kwargs, versions, "call",
                                  notes=context.notes)
    for parsed in facts.parsed_configs:
        allowed: set[str] = set()
        names: list[str] = []
        for kind in parsed.types:
            known = _dataclass_fields(kind, versions)
            if known is None:
                break
            allowed |= known
            names.append(_type_name(kind))
        else:
            unknown = [(key, parsed.values.key_spans[key]) for key in parsed.values.entries
                       if key not in allowed and key in parsed.values.key_spans
                       and not (parsed.via == "cli-flags" and _accepted_flag(key, allowed))]
            if unknown and parsed.values.complete:
                package = _packages_of(parsed.types)
                parser = "TrlParser" if parsed.via == "trl-config" else "HfArgumentParser"
                written = {key: entry.value for key, _ in unknown
                           if isinstance(entry := parsed.values.entries[key], Const)}
                checks.append(KeyCheck(f"{parser}({', '.join(names)})", parsed.via, unknown,
                                       frozenset(allowed), package,
                                       tuple(kind.name for kind in parsed.types if isinstance(kind, Ref)),
                                       written))
    return checks


def _packages_of(types: list[Value]) -> str:
    """The libraries whose releases decide the parser's fields, "+"-joined: TRL's configs
    extend transformers' TrainingArguments, so a TRL parser depends on both."""
    packages = list(dict.fromkeys(kind.name.split(".")[0] for kind in types if isinstance(kind, Ref)))
    if "trl" in packages and "transformers" not in packages:
        packages.append("transformers")
    return "+".join(packages) or "transformers"


def _accepted_flag(key: str, allowed: frozenset[str] | set[str]) -> bool:
    """Flags HfArgumentParser accepts beyond the field names: `--no_<field>` (a boolean field
    that defaults to True) and, argparse's allow_abbrev, a prefix of an option (one option:
    that option; several: argparse stops with "ambiguous option", not this parser's error)."""
    if key.startswith("no_") and key[3:] in allowed:
        return True
    return any(name.startswith(key) for name in allowed)


def _check_keys(canonical: str, values: DictValue, versions: dict[str, str], via: str,
                dialects: set[str] | frozenset[str] = frozenset(),
                notes: list[str] | None = None) -> list[KeyCheck]:
    from peft_lint.knowledge import fields

    allowed = fields.fields(canonical, versions)
    if allowed is None:
        why = fields.not_judged(canonical, versions)
        if why and notes is not None and canonical in fields.TABLES and values.entries:
            notes.append(f"the keys of {canonical.rsplit('.', 1)[-1]} were not checked: {why}")
        return []
    dropped, retired = False, frozenset[str]()
    if "unsloth" in dialects and canonical.startswith("trl."):
        allowed, dropped, retired = _unsloth_config_fields(canonical, versions, allowed)
    unknown = [(key, values.key_spans[key]) for key in values.entries
               if key not in allowed and key in values.key_spans]
    if not unknown:
        return []
    package = canonical.split(".")[0]
    if not dropped:
        return [KeyCheck(canonical.rsplit(".", 1)[-1], via, unknown, allowed, package, (canonical,))]
    target = f"Unsloth{canonical.rsplit('.', 1)[-1]}"
    # a dropped key that a later release added, written with that release's default, asks for
    # what the run does anyway: dropping it changes nothing
    unknown = [item for item in unknown if not _default_when_added(canonical, versions, item[0],
                                                                  values.entries[item[0]])]
    checks = [KeyCheck(target, kind, found, allowed, package, (canonical,)) for kind, found in (
        ("dropped", [item for item in unknown if item[0] not in retired]),
        ("retired", [item for item in unknown if item[0] in retired])) if found]
    return checks


def _default_when_added(canonical: str, versions: dict[str, str], key: str, value: Value) -> bool:
    """Whether `key=value` is the default of the field in the first release after the resolved
    one that has it (a setting the resolved release, which lacks the field, already behaves as)."""
    from peft_lint.knowledge import fields
    from peft_lint.knowledge.versions import parse_version

    package = canonical.split(".")[0]
    current = parse_version(versions.get(package, ""))
    if current is None or not isinstance(value, Const):
        return False
    later = sorted((parse_version(v), v) for v in fields.covered_versions(package)
                   if (parse_version(v) or current) > current)
    for _, version in later:
        newer = {**versions, package: version}
        if key in (fields.fields(canonical, newer) or ()):
            return fields.default(canonical, newer, key) == value.value
    return False


def _unsloth_config_fields(canonical: str, versions: dict[str, str],
                           allowed: frozenset[str]) -> tuple[frozenset[str], bool, frozenset[str]]:
    """What unsloth's replacement of a TRL config accepts on top of TRL's fields (its own
    fields and the old names it forwards), whether it drops other keys with a warning instead
    of raising, and the fields the libraries retired that it drops on purpose, with advice."""
    from peft_lint.knowledge import unsloth

    version = versions.get("unsloth")
    if not unsloth.patches_trl_configs(version):
        return allowed, False, frozenset()
    extra = unsloth.config_extra_fields(canonical, version, trl_fields=allowed)
    renamed = {old for old, new in unsloth.config_kwarg_renames(version).items() if new in allowed}
    return allowed | extra | renamed, bool(unsloth.drops_unknown_config_kwargs(version)), \
        unsloth.config_removed_fields(version)


def _type_name(kind: Value) -> str:
    if isinstance(kind, Ref):
        return kind.name.rsplit(".", 1)[-1]
    return str(getattr(getattr(kind, "obj", None), "name", "?"))


def _dataclass_fields(kind: Value, versions: dict[str, str]) -> frozenset[str] | None:
    """The fields HfArgumentParser accepts for one of its dataclass types."""

    from peft_lint.knowledge import fields

    if isinstance(kind, Ref):
        return fields.fields(kind.name, versions)
    if isinstance(kind, ObjectValue) and isinstance(kind.obj, LocalClass):
        if kind.obj.unknown_bases or (kind.obj.bases and not any(base in fields.TABLES
                                                                 for base in kind.obj.bases)):
            return None  # inherits fields peft-lint cannot see
        own = local_fields(kind.obj)
        if own is None:
            return None
        inherited: set[str] = set()
        for base in kind.obj.bases:
            base_fields = fields.fields(base, versions)
            if base_fields is None:
                return None
            inherited |= base_fields
        return frozenset(own | inherited)
    return None


def local_fields(cls: LocalClass) -> set[str] | None:
    """The fields of a dataclass of the project, its local bases' included, with the aliases
    written in `field(metadata={"aliases": [...]})` (None when an alias is computed)."""
    node = cls.node
    assert isinstance(node, ast.ClassDef)
    names: set[str] = set()
    for base in cls.local_bases:
        inherited = local_fields(base)
        if inherited is None:
            return None
        names |= inherited
    for statement in node.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        names.add(statement.target.id)
        aliases = _field_aliases(statement.value)
        if aliases is None:
            return None
        names |= aliases
    return names


def _field_aliases(default: ast.expr | None) -> set[str] | None:
    if not (isinstance(default, ast.Call) and getattr(default.func, "id", "") == "field"):
        return set()
    metadata = next((kw.value for kw in default.keywords if kw.arg == "metadata"), None)
    if metadata is None:
        return set()
    if not isinstance(metadata, ast.Dict):
        return None
    for key, value in zip(metadata.keys, metadata.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "aliases":
            try:
                written = ast.literal_eval(value)
            except ValueError:
                return None
            if not isinstance(written, str | list | tuple):
                return None
            items = [written] if isinstance(written, str) else list(written)
            return {str(item).lstrip("-").replace("-", "_") for item in items}
        if key is None:
            return None  # a ** splat may carry aliases
    return set()


def config_value_checks(context: Context, facts: ScriptFacts) -> list[ValueCheck]:
    """Numbers the run holds as strings (YAML 1.1's `5e-5`, or written in quotes) in fields the
    Trainer's AdamW validates before training: the arguments built by a call
    (`TrainingArguments(**cfg)`) or by HfArgumentParser from a YAML/JSON file or a dict.
    TrlParser's `--config` and command-line flags convert them, and are not checked."""
    from peft_lint.extract.library_calls import TRAINING_ARGS_CLASSES

    if "unsloth" in context.dialects:
        return []  # unsloth's configs may convert them: not known
    checks: list[ValueCheck] = []
    for training_args in facts.training_args:
        if training_args.from_call:
            checks += _numbers_as_strings(context, training_args.canonical, training_args.values, "call")
    for parsed in facts.parsed_configs:
        if parsed.via != "parser":
            continue
        for kind in parsed.types:
            canonical = kind.name if isinstance(kind, Ref) else next(
                (base for base in kind.obj.bases if base in TRAINING_ARGS_CLASSES), None) \
                if isinstance(kind, ObjectValue) and isinstance(kind.obj, LocalClass) else None
            if isinstance(canonical, str) and canonical in TRAINING_ARGS_CLASSES:
                checks += _numbers_as_strings(context, canonical, parsed.values, "parser")
                break
    return checks


def _numbers_as_strings(context: Context, canonical: str, values: DictValue, via: str) -> list[ValueCheck]:
    from peft_lint.knowledge import transformers as tf

    if not _optimizer_is_torch_adamw(context, values):
        return []
    found: list[ValueCheck] = []
    for key in tf.ADAMW_CHECKED_FLOATS:
        entry = values.entries.get(key)
        if isinstance(entry, Const) and isinstance(entry.value, str) and _is_number(entry.value):
            span = values.key_spans.get(key, entry.span)
            found.append(ValueCheck(canonical.rsplit(".", 1)[-1], key, entry.value, span,
                                    written_in(span), via))
    return found


def _optimizer_is_torch_adamw(context: Context, values: DictValue) -> bool:
    """The optimizer the Trainer builds is torch's AdamW: `optim` says so, or is its default
    and nothing else (DeepSpeed's own optimizer, `**` arguments) could change it."""
    from peft_lint.knowledge import transformers as tf

    deepspeed = values.entries.get("deepspeed")
    if deepspeed is not None and not (isinstance(deepspeed, Const) and deepspeed.value in (None, "")):
        return False
    optim = values.entries.get("optim")
    if optim is not None:
        return isinstance(optim, Const) and str(optim.value) in tf.TORCH_ADAMW
    return values.complete and tf.default_optimizer_is_torch_adamw(context.version("transformers"))


def _is_number(text: str) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    return number == number and number not in (float("inf"), float("-inf"))


def written_in(span: Span | None, route: str = "construct") -> str:
    """Where a value is written: "yaml", "json", "python", or "shell" (a command-line flag
    of a launcher)."""
    path = span.path if span is not None else ""
    if path.endswith((".yaml", ".yml")):
        return "yaml"
    if path.endswith(".json"):
        return "json"
    if route == "argv" and not path.endswith((".py", ".ipynb")):
        return "shell"
    return "python"
