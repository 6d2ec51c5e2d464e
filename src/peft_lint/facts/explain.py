"""Phrases and related locations shared by the rules that talk about checkpointing and DDP."""

from __future__ import annotations

from peft_lint.engine.diagnostic import Fix, InsertArgument, InsertLine, Related, ReplaceWord
from peft_lint.facts.dialects import FRAMEWORK as LLAMA_FACTORY
from peft_lint.facts.model import Fact, ReentrantSetting, TrainingSetup
from peft_lint.facts.values import Const, DictValue
from peft_lint.knowledge import transformers as tf

# torch DDP reducer (`checkAndRaiseMarkedTwiceError`), quoted by the DDP rules and
# checked against a real run by the repro tier.
READY_TWICE = "Expected to mark a variable ready only once"

# peft RankAllocator.update_ipt computes `p * p.grad`; raised when a gradient is None.
ADALORA_NONE_GRAD = "unsupported operand type(s) for *: 'Parameter' and 'NoneType'"

METHOD_NAMES = {"lora": "LoRA", "adalora": "AdaLoRA", "ia3": "IA3", "loha": "LoHa", "lokr": "LoKr",
                "oft": "OFT", "boft": "BOFT", "vera": "VeRA", "prompt_tuning": "Prompt tuning",
                "prefix_tuning": "Prefix tuning", "p_tuning": "P-tuning"}


def method_name(method: object) -> str:
    return METHOD_NAMES.get(str(method), str(method))


def _related(fact: Fact[object], message: str) -> list[Related]:
    return [Related(fact.span, message)] if fact.span is not None else []


def checkpointing_related(setup: TrainingSetup) -> list[Related]:
    gc = setup.checkpointing
    reentrant = gc.use_reentrant.origin
    reentrant_text = "reentrant: " + (
        reentrant.detail if reentrant.kind != "written" else "use_reentrant=True")
    related = _related(gc.enabled, f"checkpointing turned on here; {reentrant_text}")  # type: ignore[arg-type]
    if gc.use_reentrant.span is not None and gc.use_reentrant.span != gc.enabled.span:
        related += _related(gc.use_reentrant, reentrant_text)  # type: ignore[arg-type]
    return related


def input_grads_related(setup: TrainingSetup) -> list[Related]:
    grads = setup.checkpointing.input_grads
    if grads.is_(True) and grads.span is not None:
        detail = grads.origin.detail or "enable_input_require_grads()"
        return [Related(grads.span, f"inputs require grad: {detail}")]
    return []


def launcher_related(setup: TrainingSetup) -> list[Related]:
    world = setup.distributed.world_size
    if world.span is None:
        return []
    return [Related(world.span, f"{world.value} processes (DDP)")]


def processes_phrase(setup: TrainingSetup) -> str:
    world = setup.distributed.world_size
    source = world.span.path if world.span is not None else world.origin.describe()
    at_least = "at least " if world.origin.detail.startswith("at least") else ""
    return f"{at_least}{world.value} processes, from {source}"


def non_reentrant_help(setup: TrainingSetup) -> str:
    """Where and how to make checkpointing non-reentrant, for this setup."""
    gc = setup.checkpointing
    where = gc.enabled.span.path if gc.enabled.span is not None else "the training arguments"
    if setup.trainer.kind.is_(LLAMA_FACTORY):  # it passes its own kwargs from use_reentrant_gc
        config = gc.use_reentrant.span.path if gc.use_reentrant.span is not None else where
        return f"set use_reentrant_gc: false in {config}"
    if where.endswith((".yaml", ".yml")):
        return f"set gradient_checkpointing_kwargs: {{use_reentrant: false}} in {where}"
    if where.endswith(".json"):
        return f'set "gradient_checkpointing_kwargs": {{"use_reentrant": false}} in {where}'
    if where.endswith(".sh"):
        return f"add --gradient_checkpointing_kwargs '{{\"use_reentrant\": false}}' in {where}"
    return ('pass gradient_checkpointing_kwargs={"use_reentrant": False} where checkpointing is '
            f"enabled ({gc.enabled.span.label() if gc.enabled.span else where})")


def non_reentrant_fix(setup: TrainingSetup) -> Fix | None:
    """Turn a written `use_reentrant: true` into false, in the file and syntax it is written in
    (YAML, JSON, a Python literal); where reentrant is a default, write the setting that
    changes it (a keyword argument of the call, or a YAML key)."""
    fact = setup.checkpointing.use_reentrant
    setting = setup.checkpointing.reentrant_setting
    if fact.origin.kind == "default" and fact.is_(True) and setting is not None:
        return _write_setting(setting)
    span = fact.span
    if fact.origin.kind != "written" or not fact.is_(True) or span is None or \
            span.end_line != span.line or span.end_column is None:
        return None
    python = span.path.endswith((".py", ".ipynb"))
    word, literal = ("True", "False") if python else ("true", "false")
    return Fix("make gradient checkpointing non-reentrant", True,
               (ReplaceWord(span.path, span.line, span.column, span.end_line, span.end_column,
                            word, literal),))


def _write_setting(setting: ReentrantSetting) -> Fix | None:
    span = setting.span
    title = "make gradient checkpointing non-reentrant"
    if setting.kind == "call" and span.end_line is not None and span.end_column is not None:
        return Fix(title, True, (InsertArgument(span.path, span.line, span.column, span.end_line,
                                                span.end_column, setting.text),))
    if setting.kind in ("yaml-below", "yaml-end"):
        line = span.line if setting.kind == "yaml-below" else 0
        return Fix(title, True, (InsertLine(span.path, line, setting.text),))
    return None


def static_graph_available(setup: TrainingSetup) -> bool:
    return tf.has_static_graph_field(setup.version("transformers"))


def multi_process(setup: TrainingSetup) -> bool:
    """More than one training process, known."""
    world = setup.distributed.world_size
    return world.known and isinstance(world.value, int) and world.value > 1


def multi_process_ddp(setup: TrainingSetup) -> bool:
    return setup.distributed.strategy.is_("ddp") and multi_process(setup)


def reentrant_ddp_applies(setup: TrainingSetup) -> bool:
    """Reentrant checkpointing whose checkpointed adapters get gradients, under DDP."""
    gc = setup.checkpointing
    return (gc.enabled.is_(True) and gc.use_reentrant.is_(True) and gc.input_grads.is_(True)
            and multi_process_ddp(setup) and setup.distributed.static_graph.is_(False))


def fsdp_option(setup: TrainingSetup, *keys: str) -> Fact[object] | None:
    """An FSDP option from the accelerate config or TrainingArguments.fsdp_config."""
    sources: list[object] = []
    accelerate = setup.accelerate_config
    if isinstance(accelerate, DictValue) and setup.distributed.strategy.is_("fsdp"):
        sources.append(accelerate.entries.get("fsdp_config"))
    fsdp_config = setup.training_arguments.get("fsdp_config")
    if fsdp_config is not None and fsdp_config.known:
        sources.append(fsdp_config.value)
    for source in sources:
        if isinstance(source, DictValue):
            for key in keys:
                entry = source.entries.get(key)
                if isinstance(entry, Const):
                    return Fact.written(entry.value, entry.span)
    return None


def target_module_match(setup: TrainingSetup) -> tuple[list[str], list[str], str] | None:
    """(matched, missing, table version) of a LoraConfig target_modules list, when decidable."""
    import re

    from peft_lint.knowledge import modules

    targets = setup.adapter.kwargs.get("target_modules")
    model_type = setup.model.model_type
    if targets is None or not targets.known or not model_type.known:
        return None
    if not isinstance(targets.value, list) or not all(isinstance(t, str) for t in targets.value):
        return None
    if any("." in target or re.search(r"[\\^$*+?()\[\]{}|]", target) for target in targets.value):
        return None  # dotted paths and patterns match full names peft-lint does not keep
    found = modules.module_names(str(model_type.value), setup.version("transformers"))
    if found is None:
        return None
    names, version = found
    if str(model_type.value) in modules.VERSION_SENSITIVE and version.split(".")[0] != "4":
        # transformers 5 fused MoE experts into parameters; PEFT >= 0.19 converts the old
        # expert target names (w1/w2/w3, ...) into target_parameters, older PEFT was not checked
        from peft_lint.knowledge.versions import version_at_least

        if not version_at_least(setup.version("peft"), modules.MOE_NAME_CONVERSION_SINCE):
            return None
        old = modules.module_names(str(model_type.value), modules.LAST_4X_TABLE)
        names = names | (old[0] if old else frozenset())
    matched = [target for target in targets.value if target in names]
    missing = [target for target in targets.value if target not in names]
    return matched, missing, version


REGEX_CHARACTERS = set("\\^$*+?()[]{}|.")
