"""Training arguments as facts: written, assigned later, or the defaults of the resolved versions."""

from __future__ import annotations

from dataclasses import replace

from peft_lint.extract.python_objects import (
    ObjectValue,
    TrainerObject,
    TrainingArgs,
)
from peft_lint.facts.context import Context
from peft_lint.facts.model import (
    CallArguments,
    Fact,
    Span,
)
from peft_lint.facts.values import Const, DictValue, ListValue, Ref, Unknown, Value, truthy
from peft_lint.knowledge import transformers as tf
from peft_lint.knowledge import trl as trl_knowledge
from peft_lint.knowledge.versions import version_at_least


def training_arg_default(context: Context, canonical: str, key: str) -> object | None:
    """A training-argument default: TRL's own, the generated field tables, else the hand list;
    for unsloth's loaders, the defaults of the unsloth release in force."""
    from peft_lint.knowledge import fields

    if canonical.startswith("unsloth."):
        from peft_lint.knowledge import unsloth

        fast_class, method = canonical.rsplit(".", 1)
        version = context.versions.get("unsloth")
        signature = unsloth.method_signature(fast_class, method, version.version if version else None)
        parameters = signature.get("parameters", {}) if signature else {}
        return parameters.get(key) if isinstance(parameters, dict) else None

    if canonical in trl_knowledge.CONFIG_CLASSES:
        trl_default = trl_knowledge.config_default(key, context.version("trl"))
        if trl_default is not None:
            return trl_default
    versions = {package: resolved.version for package, resolved in context.versions.items()}
    table_class = canonical if canonical in fields.TABLES else "transformers.TrainingArguments"
    found = fields.default(table_class, versions, key)
    if found is not fields.MISSING:
        return found
    return tf.training_argument_default(key, context.version("transformers"))


def training_args_of(trainer: TrainerObject | None) -> TrainingArgs | Unknown | None:
    if trainer is None:
        return None
    value = trainer.args
    if value is None:
        return None
    if isinstance(value, ObjectValue) and isinstance(value.obj, TrainingArgs):
        return value.obj
    return Unknown(value.span, "the training arguments are computed at run time")


def argument_fact(context: Context, trainer: TrainerObject, args: TrainingArgs | Unknown | None,
         *keys: str) -> Fact[object]:
    """A TrainingArguments field: written, assigned later, or the default for the versions."""
    if isinstance(args, Unknown):
        return Fact.unknown(args.reason, args.span)
    # a TRL trainer given no args builds its own config (GRPOTrainer: GRPOConfig)
    own_config = trainer.canonical.removesuffix("Trainer") + "Config"
    default_class = own_config if own_config in trl_knowledge.CONFIG_CLASSES else \
        "trl.SFTConfig" if trainer.canonical in trl_knowledge.TRAINER_CLASSES else \
        "transformers.TrainingArguments"
    canonical = args.canonical if args is not None else default_class
    values = args.values if args is not None else DictValue(trainer.span, {})
    fact: Fact[object] | None = None
    # a renamed field's old spelling carries its value for every rule (PFT701 alone says
    # whether the version still takes it): one root cause, one finding
    spellings = [old for key in keys for old in tf.OLD_FIELD_NAMES.get(key, ())] + list(keys)
    for key in spellings:
        entry = values.entries.get(key)
        if entry is not None:
            fact = value_fact(entry)
    if fact is None and not values.complete:
        part = values.unknown_part
        if part is not None:  # say which part: a config loaded from a path chosen at run time, ...
            where = f" ({part.span.label()})" if part.span is not None else ""
            return Fact.unknown(f"`{keys[0]}` may be set by {part.reason}{where}", values.span)
        return Fact.unknown(f"`{keys[0]}` may be set by values computed at run time", values.span)
    if args is not None:
        fact = assigned_after(context, args, keys, fact)
    if fact is not None:
        return fact
    if canonical in trl_knowledge.CONFIG_CLASSES and keys[0] in trl_knowledge.CONDITIONAL_DEFAULTS:
        return Fact.unknown(f"TRL's default for `{keys[0]}` depends on other fields", values.span)
    default = training_arg_default(context, canonical, keys[0])
    package = "trl" if canonical in trl_knowledge.CONFIG_CLASSES and \
        trl_knowledge.config_default(keys[0], context.version("trl")) is not None else "transformers"
    short = canonical.rsplit(".", 1)[-1]
    return Fact.default(default, f"default of {short} in {context.label(package)}",
                        args.span if args is not None else trainer.span)


def assigned_after(context: Context, args: TrainingArgs, keys: tuple[str, ...],
                    fact: Fact[object] | None) -> Fact[object] | None:
    renamed = version_at_least(context.version("transformers"), tf.ACTIVATION_CHECKPOINTING_RENAME)
    for key, value, _ in args.assigned_after_init:
        if key not in keys:
            continue
        if renamed and key.startswith("gradient_checkpointing"):
            # 5.23+: the old names are copied to activation_checkpointing* once, in
            # __post_init__; a later assignment is never read (rule gc-args-assigned-after-init).
            continue
        fact = value_fact(value)
    return fact


def value_fact(value: Value) -> Fact[object]:

    if isinstance(value, Const):
        return Fact.default(value.value, value.default_of, value.span) if value.default_of else \
            Fact.written(value.value, value.span)
    if isinstance(value, Ref):  # a library object such as torch.float16, by name
        return Fact.written(value.name, value.span)
    if isinstance(value, ListValue) and value.complete:
        items = [value_fact(item) for item in value.items]
        if all(item.known for item in items):
            return Fact.written([item.value for item in items], value.span)
    if isinstance(value, DictValue):
        return Fact.written(value, value.span)
    return Fact.unknown(getattr(value, "reason", "computed at run time"), value.span)


def bool_fact(fact: Fact[object]) -> Fact[bool]:
    if not fact.known:
        return Fact(None, False, fact.origin)
    if fact.value is None:
        return Fact(None, True, fact.origin)
    decided = truthy(Const(None, fact.value)) if not isinstance(fact.value, DictValue) else True
    if decided is None:
        return Fact.unknown(f"`{fact.value}` is not a boolean", fact.span)
    return Fact(decided, True, fact.origin)


def fact_value(fact: Fact[object]) -> Value | None:
    if not fact.known:
        return Unknown(fact.span, fact.origin.detail)
    if isinstance(fact.value, DictValue):
        return fact.value
    if fact.value is None:
        return None
    return Unknown(fact.span, "not a dict")


def call_arguments(canonical: str, span: Span, kwargs: DictValue) -> CallArguments:
    """The keyword arguments of a call as facts, each where the call passes it: a value that
    comes from elsewhere (a flag's default, a variable) is shown at its keyword."""
    facts: dict[str, Fact[object]] = {}
    for key, value in kwargs.entries.items():
        fact = value_fact(value)
        where = kwargs.key_spans.get(key)
        elsewhere = fact.span is None or (fact.span.path, fact.span.line) != (where.path, where.line) \
            if where is not None else False
        if where is not None and elsewhere and isinstance(value, Const):  # a scalar from a flag, a variable
            fact = Fact(fact.value, fact.known, replace(fact.origin, span=where))
        facts[key] = fact
    return CallArguments(canonical, span, facts, kwargs.complete)
