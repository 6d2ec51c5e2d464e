"""Processes and strategy: the launcher, accelerate and DeepSpeed configs, the Trainer's DDP
flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from peft_lint.extract.launcher import LaunchCommand, accelerate_config_facts
from peft_lint.extract.python_objects import (
    TrackedModel,
    TrainerObject,
    TrainingArgs,
)
from peft_lint.extract.python_script import ScriptFacts
from peft_lint.facts.arguments import argument_fact, bool_fact
from peft_lint.facts.context import Context, Options, unparsed_config
from peft_lint.facts.model import (
    DeepSpeedSetup,
    Distributed,
    Fact,
    Span,
    TrainingSetup,
)
from peft_lint.facts.values import Const, DictValue, Unknown, Value
from peft_lint.inputs.files import SourceFile


def assemble_distributed(context: Context, command: LaunchCommand | None, trainer: TrainerObject | None,
                 args: TrainingArgs | Unknown | None, options: Options,
                 facts: ScriptFacts | None = None, setup: TrainingSetup | None = None,
                 script: SourceFile | None = None) -> Distributed:
    distributed = Distributed()
    if command is not None:
        distributed.world_size = command.world_size
        distributed.strategy = command.strategy
        distributed.launcher_span = command.span
        distributed.launcher_variables = {f"${name}": Fact.written(value, where)
                                          for name, (value, where) in sorted(command.variables.items())}
        if command.launcher in ("accelerate", "trl"):
            _accelerate_config(context, command, distributed)
    elif options.world_size is None and script is not None and script.cells is not None and \
            script.role == "" and "notebook_launcher" not in script.text:
        # a notebook's cells run in its one kernel process (accelerate's notebook_launcher aside)
        distributed.world_size = Fact.derived(1, "a notebook runs in one kernel process")
        distributed.strategy = Fact.derived("none", "a notebook runs in one kernel process")
    elif options.world_size is None and context.unit.configs("accelerate"):
        # an accelerate config named with the script: `accelerate launch` reads it as its default
        _accelerate_config(context, None, distributed)
        if not distributed.world_size.known:
            distributed.world_size = Fact.unknown("the accelerate config does not say num_processes")
    elif options.world_size is None:
        launchers = context.unit.of_kind("shell")
        reason = "no launcher command for this script in the files of this run" if launchers else \
            "no launcher in this run (pass the launch script, or --world-size N)"
        distributed.world_size = Fact.unknown(reason)
        distributed.strategy = Fact.unknown(reason)
    if not distributed.world_size.known and options.world_size is not None:
        distributed.world_size = Fact(options.world_size, True, cli_origin())
        if not distributed.strategy.known:
            distributed.strategy = Fact("ddp" if options.world_size > 1 else "none", True, cli_origin())
    if trainer is not None:
        _trainer_strategy(context, trainer, args, distributed)
        _trainer_ddp_flags(context, trainer, args, distributed, setup)
    elif facts is not None and facts.wrappers:
        wrapper = facts.wrappers[0]
        distributed.find_unused_parameters = wrapper.find_unused
        distributed.static_graph = wrapper.static_graph
    return distributed


def cli_origin() -> object:
    from peft_lint.facts.model import Origin

    return Origin("cli", "from --world-size")


def _accelerate_config(context: Context, command: LaunchCommand | None, distributed: Distributed) -> None:
    configs = context.unit.configs("accelerate")
    if command is not None and command.accelerate_config:
        named = Path(command.accelerate_config).name
        configs = [config for config in context.unit.configs() if config.absolute.name == named] or configs
    if not configs:
        if command is not None and command.accelerate_config:
            context.notes.append(f"accelerate config `{command.accelerate_config}` was not found")
        return
    config = configs[0]
    from peft_lint.facts.values import plain

    data = plain(config.config)
    if not isinstance(data, dict):
        return
    span = config.config.span if config.config is not None else None
    key_spans = config.config.key_spans if isinstance(config.config, DictValue) else None
    world, strategy = accelerate_config_facts(data, span or Span(config.path, 1), key_spans)
    if not distributed.world_size.known:
        distributed.world_size = world
    if not distributed.strategy.known or distributed.strategy.origin.kind == "derived":
        if strategy.known:
            distributed.strategy = strategy
    context.accelerate_config = config.config


def _trainer_strategy(context: Context, trainer: TrainerObject, args: TrainingArgs | Unknown | None,
                      distributed: Distributed) -> None:
    for key, strategy in (("deepspeed", "deepspeed"), ("fsdp", "fsdp")):
        fact = argument_fact(context, trainer, args, key)
        if fact.known and fact.value not in (None, "", False, []):
            distributed.strategy = Fact.written(strategy, fact.span)
            return
        if not fact.known and distributed.strategy.is_("ddp"):
            distributed.strategy = Fact.unknown(f"`{key}` may be set at run time", fact.span)
            return


def _trainer_ddp_flags(context: Context, trainer: TrainerObject, args: TrainingArgs | Unknown | None,
                       distributed: Distributed, setup: TrainingSetup | None) -> None:
    written = argument_fact(context, trainer, args, "ddp_find_unused_parameters")
    if written.known and written.value is not None:
        distributed.find_unused_parameters = bool_fact(written)
    elif not written.known:
        distributed.find_unused_parameters = Fact(None, False, written.origin)
    elif setup is not None and setup.trainer.model_is_peft.is_(True):
        distributed.find_unused_parameters = Fact.default(
            True, f"the Trainer's default for a PeftModel in {context.label('transformers')}",
            trainer.span)
    elif setup is not None and setup.trainer.model_is_peft.is_(False):
        distributed.find_unused_parameters = Fact.derived(
            not setup.checkpointing.enabled.value if setup.checkpointing.enabled.known else None,
            "the Trainer's default for a PreTrainedModel: not checkpointing", trainer.span) \
            if setup.checkpointing.enabled.known else Fact.unknown("checkpointing is not known")
    static = argument_fact(context, trainer, args, "ddp_static_graph")
    if static.known:
        distributed.static_graph = Fact(bool(static.value), True, static.origin)
    else:
        distributed.static_graph = Fact(None, False, static.origin)


def assemble_deepspeed(context: Context, setup: TrainingSetup, args: TrainingArgs | Unknown | None,
               model: TrackedModel | None) -> DeepSpeedSetup | None:
    fact = setup.training_arguments.get("deepspeed")
    before = _args_before_load(args, model)
    if fact is None or not fact.known or fact.value in (None, ""):
        return _accelerate_deepspeed(context, before)
    config: object = fact.value
    span = fact.span
    if isinstance(fact.value, str):
        named = deepspeed_file(context, fact.value)
        if named is None:
            return None
        config, span = named, named.span
    if not isinstance(config, DictValue) or span is None:
        return None
    return _setup(context, config, "deepspeed", span, zero_stage(config, span), before)


def _args_before_load(args: TrainingArgs | Unknown | None, model: TrackedModel | None) -> Fact[bool]:
    """Whether TrainingArguments exist at the model load: building them registers the DeepSpeed
    config that from_pretrained consults (a weak reference, kept alive by the arguments)."""
    if isinstance(args, TrainingArgs) and model is not None:
        return Fact.derived(args.created < model.root().created, "program order", args.span)
    return Fact.unknown("the order of the arguments and the model load is not known")


def _accelerate_deepspeed(context: Context, args_before_load: Fact[bool]) -> DeepSpeedSetup | None:
    """ZeRO settings of an `accelerate launch` config (distributed_type: DEEPSPEED)."""
    accelerate = context.accelerate_config
    if not isinstance(accelerate, DictValue):
        return None
    kind = accelerate.entries.get("distributed_type")
    section = accelerate.entries.get("deepspeed_config")
    if not (isinstance(kind, Const) and kind.value == "DEEPSPEED" and isinstance(section, DictValue)):
        return None
    config: DictValue = section
    shape: Literal["deepspeed", "accelerate"] = "accelerate"
    stage: Fact[int] = Fact.unknown("zero_stage is not set", section.span)
    config_file = section.entries.get("deepspeed_config_file")
    if config_file is not None:
        # accelerate then takes every ZeRO setting from the JSON it names
        named = deepspeed_file(context, config_file.value) if isinstance(config_file, Const) else None
        if named is None or named.span is None:
            return None
        config, stage, shape = named, zero_stage(named, named.span), "deepspeed"
    else:
        stage_value = section.entries.get("zero_stage")
        if isinstance(stage_value, Const) and isinstance(stage_value.value, int):
            stage = Fact.written(stage_value.value, stage_value.span)
    # TrainingArguments register the config under ACCELERATE_USE_DEEPSPEED; accelerate 1.15 does
    # so whatever zero3_init_flag says, older releases only with the flag on (checked: the
    # device_map ValueError follows TrainingArguments built before the load, never after).
    init = section.entries.get("zero3_init_flag")
    before = args_before_load if isinstance(init, Const) and init.value is True else \
        Fact.unknown("zero3_init_flag is not on", section.span)
    span = config.span or section.span or Span("accelerate config", 1)
    return _setup(context, config, shape, span, stage, before)


def deepspeed_file(context: Context, path: object) -> DictValue | None:
    """The DeepSpeed JSON a setting names, when it is among the files of the run."""
    if not isinstance(path, str) or not path:
        return None
    name = Path(path).name
    found = [file for file in context.unit.configs() if file.absolute.name == name]
    if not found or not isinstance(found[0].config, DictValue):
        broken = unparsed_config(context, name)
        context.notes.append(f"DeepSpeed config `{path}` could not be parsed" if broken is not None
                             else f"DeepSpeed config `{path}` is not among the files of this run")
        return None
    return found[0].config


def zero_stage(config: DictValue, span: Span) -> Fact[int]:
    section = config.entries.get("zero_optimization")
    if isinstance(section, DictValue):
        entry = section.entries.get("stage")
        if isinstance(entry, Const) and isinstance(entry.value, int):
            return Fact.written(entry.value, entry.span)
    return Fact.unknown("zero_optimization.stage is not set", span)


def framework_deepspeed(context: Context, entry: Value | None, framework: str) -> DeepSpeedSetup | None:
    """The DeepSpeed JSON a framework config names (`deepspeed: ds_z3_config.json`), when it is
    among the files of the run; the framework builds the arguments and loads the model itself."""
    if not (isinstance(entry, Const) and isinstance(entry.value, str)):
        return None
    config = deepspeed_file(context, entry.value)
    span = (config.span if config is not None else None) or entry.span
    if config is None or span is None:
        return None
    return _setup(context, config, "deepspeed", span, zero_stage(config, span),
                          Fact.unknown(f"{framework} builds the arguments and loads the model itself"))


def _setup(context: Context, config: DictValue, shape: Literal["deepspeed", "accelerate"], span: Span,
           stage: Fact[int], before: Fact[bool]) -> DeepSpeedSetup:
    """The DeepSpeed setup of a run: the typed settings, and what DeepSpeed's own models refuse
    in a DeepSpeed JSON (accelerate's section is turned into one by accelerate, not validated)."""
    from peft_lint.facts.deepspeed_config import typed_deepspeed_config

    setup = DeepSpeedSetup(typed_deepspeed_config(config, shape), span, stage, before)
    if shape == "deepspeed":
        from peft_lint.facts.deepspeed_values import deepspeed_problems

        versions = {package: resolved.version for package, resolved in context.versions.items()}
        problems = deepspeed_problems(config, versions)
        setup.unknown_keys, setup.rejected = problems.unknown_keys, problems.rejected
    return setup
