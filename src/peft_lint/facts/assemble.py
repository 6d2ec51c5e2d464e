"""Assemble one `TrainingSetup` per script of a run unit.

This is where the facts of the script, its configs and its launcher meet the
library knowledge for the resolved versions: which checkpointing variant the
Trainer will really use, whether gradients reach the checkpointed blocks, how
many processes run and what DDP's `find_unused_parameters` will be.
"""

from __future__ import annotations

import ast
from pathlib import Path

from peft_lint.extract.launcher import UNRESOLVED, LaunchCommand
from peft_lint.extract.library_calls import quantized_load
from peft_lint.extract.python_objects import (
    AdapterConfig,
    DataCollator,
    ObjectValue,
    Tokenizer,
    TrackedModel,
    TrainerObject,
    TrainingArgs,
    unwrap_model,
)
from peft_lint.extract.python_script import ConfigResolver, ScriptFacts, interpret
from peft_lint.extract.training_loop import find_allocation_calls
from peft_lint.facts.arguments import (
    argument_fact,
    call_arguments,
    training_arg_default,
    training_args_of,
    value_fact,
)
from peft_lint.facts.checkpointing import assemble_checkpointing, kbit_calls, training_begins
from peft_lint.facts.config_keys import config_key_checks, config_value_checks
from peft_lint.facts.config_values import rejected_values
from peft_lint.facts.context import NEVER, Context, Options, unparsed_config
from peft_lint.facts.dialects import assemble_axolotl, assemble_llamafactory, assemble_swift
from peft_lint.facts.distributed import assemble_deepspeed, assemble_distributed
from peft_lint.facts.model import (
    AdapterLoad,
    AdapterSpec,
    CollatorUse,
    DiscardedResult,
    Fact,
    ModelLoad,
    ResolvedVersion,
    Span,
    TrainerUse,
    TrainingSetup,
)
from peft_lint.facts.model_identity import model_type_fact, resolved_path, weights_dtype_fact
from peft_lint.facts.project_modules import module_loader
from peft_lint.facts.removed_apis import removed_apis
from peft_lint.facts.values import Const, DictValue, ListValue, Ref, Unknown, Value, truthy
from peft_lint.inputs.files import SourceFile
from peft_lint.inputs.units import RunUnit
from peft_lint.knowledge import deepspeed as ds_knowledge
from peft_lint.knowledge import peft as peft_knowledge
from peft_lint.knowledge import torch as torch_knowledge
from peft_lint.knowledge import transformers as tf
from peft_lint.knowledge import trl as trl_knowledge
from peft_lint.knowledge.versions import version_at_least


def assemble(unit: RunUnit, versions: dict[str, ResolvedVersion], options: Options) -> list[TrainingSetup]:
    context = Context(unit, versions)
    scripts = unit.of_kind("python")
    library_runs = [_assemble_script(context, library_script(launcher, command), options, command)
                    if command.launcher == "trl" else assemble_swift(context, command, options)
                    for launcher in unit.of_kind("shell") for command in launcher.launches
                    if command.launcher in ("trl", "swift")]
    if library_runs and not scripts:
        return library_runs
    if not scripts and (unit.configs("llamafactory") or unit.configs("axolotl")):
        setups = [assemble_llamafactory(context, config, options) for config in unit.configs("llamafactory")]
        return setups + [assemble_axolotl(context, config, options) for config in unit.configs("axolotl")]
    if not scripts:
        setup = TrainingSetup(versions=versions)
        setup.distributed = assemble_distributed(context, None, None, None, options)
        return [setup]
    # a launcher may run a script in several ways (`case`/`if` arms, a loop): each is a run
    return library_runs + [_assemble_script(context, script, options, command) for script in scripts
                           for command in _launches_for(context.unit, script)]


def library_script(launcher: SourceFile, command: LaunchCommand) -> SourceFile:
    """The script a library's command line runs (`trl sft`), as the model peft-lint has of it,
    located at the command: what it decides is shown on the launcher's line."""
    name = command.script.split()[-1]
    text = trl_knowledge.cli_script(name)
    tree = ast.parse(text)
    span = command.span
    for node in ast.walk(tree):
        if hasattr(node, "lineno"):
            node.lineno = span.line  # type: ignore[attr-defined]
            node.col_offset = span.column - 1  # type: ignore[attr-defined]
            node.end_lineno = span.end_line or span.line  # type: ignore[attr-defined]
            node.end_col_offset = (span.end_column or span.column) - 1  # type: ignore[attr-defined]
    return SourceFile(launcher.path, launcher.absolute, "python", text, tree,
                      shown_as=launcher.shown_as, made_by=launcher.made_by)


def process_environment(command: LaunchCommand | None) -> dict[str, str] | None:
    """The variables the script's processes see: what the launcher line exports, and, under
    torchrun and the launchers built on it, WORLD_SIZE (the process count when it is known)
    and the per-process RANK, LOCAL_RANK, ... (not known statically)."""
    if command is None:
        return None
    environment = dict(command.environment)
    if command.launcher in torch_knowledge.DISTRIBUTED_LAUNCHERS:
        for name in torch_knowledge.LAUNCHER_VARIABLES:
            environment[name] = UNRESOLVED
        if command.world_size.known:
            environment["WORLD_SIZE"] = str(command.world_size.value)
    return environment


def _assemble_script(context: Context, script: SourceFile, options: Options,
                     command: LaunchCommand | None) -> TrainingSetup:
    argv = _argv(context, script, command)
    resolver = ConfigResolver(lambda path: _lookup_config(context, script, path))
    assert script.tree is not None
    try:
        facts = interpret(script.path, script.tree, resolver, argv,
                          lambda canonical, key: training_arg_default(context, canonical, key),
                          module_loader(context, script), process_environment(command), script.text)
    except RecursionError:
        setup = TrainingSetup(versions=context.versions)
        setup.notes.append(f"{script.path} is nested too deeply to follow; it was not checked")
        return setup
    context.dialects = set(facts.dialects)
    setup = TrainingSetup(versions=context.versions, dialects=frozenset(facts.dialects))
    setup.notes.extend(facts.notes)
    # the name must appear in the text for the call to be in the tree: spares a walk of it
    setup.allocation_calls = find_allocation_calls(script.path, script.tree, facts.classes) \
        if "update_and_allocate" in script.text else []
    trainer = _pick_trainer(facts)
    model = _trained_model(facts, trainer)
    setup.trainer = _trainer_use(trainer, model, facts)
    setup.trains_here = _trains_here(trainer, facts)
    setup.allocation_elsewhere = _allocation_elsewhere(trainer, model)
    setup.model = _model_load(model)
    setup.model.model_type = model_type_fact(context, model, setup.model)
    setup.model.weights_dtype = weights_dtype_fact(context, model)
    adapter = _adapter(trainer, model)
    setup.adapter = _adapter_spec(adapter, model, setup.model)
    init = setup.adapter.kwargs.get("init_lora_weights")
    if init is not None and init.known and init.value in peft_knowledge.INIT_PREPARATION:
        setup.init_preparations = _named_preparations(script, facts)  # reads the project's modules
    setup.adapter_configs = [_adapter_spec(value.obj, None, ModelLoad())
                             for value in facts.adapter_configs if isinstance(value.obj, AdapterConfig)]
    args = training_args_of(trainer)
    setup.checkpointing = assemble_checkpointing(context, trainer, args, model, setup)
    setup.distributed = assemble_distributed(context, command, trainer, args, options, facts, setup, script)
    setup.accelerate_config = context.accelerate_config
    setup.kbit_prepare_calls = kbit_calls(facts)
    setup.discarded_results = _discarded_results(facts)
    setup.compiled_before_wrap = _compiled_before_wrap(facts)
    setup.adapter_load = _adapter_load(model)
    setup.load_calls = [call_arguments(f"{m.class_name.value}.from_pretrained", m.span, m.load_kwargs)
                        for m in facts.models
                        if m.kind == "base" and m.load_kwargs is not None and m.span is not None]
    _saving(setup, facts, trainer, model, script)
    setup.quantization_configs = [call_arguments(q.canonical, q.span, q.kwargs)
                                  for q in facts.quantization_configs if q.span is not None]
    if trainer is not None:
        keys = [*tf.TRAINING_ARGUMENT_DEFAULTS, "optim",
                *(trl_knowledge.GRPO_BATCH_FIELDS if trainer.canonical == "trl.GRPOTrainer" else ()),
                *(("sync_ref_model", "beta") if trainer.canonical in trl_knowledge.SYNC_REF_TRAINERS else ()),
                *(trl_knowledge.SFT_PADDING_FREE_FIELDS if trainer.canonical == "trl.SFTTrainer" else ())]
        setup.training_arguments = {key: argument_fact(context, trainer, args, key) for key in keys}
    _state_dict_patch(setup, trainer, model)
    setup.deepspeed = assemble_deepspeed(context, setup, args, model)
    if setup.deepspeed is not None and setup.deepspeed.zero_stage.is_(3):
        setup.zero3_leaf_modules_named = _zero3_leaf_modules_named(script, facts)
    setup.key_checks = config_key_checks(context, facts)
    setup.removed_apis = removed_apis(context, facts)
    setup.value_checks = config_value_checks(context, facts)
    setup.rejected_values = rejected_values(context, facts)
    if setup.deepspeed is not None:
        setup.key_checks += setup.deepspeed.unknown_keys
        setup.rejected_values += setup.deepspeed.rejected
    # transformers raises this for bitsandbytes models (other backends raise otherwise, or not)
    # a cast on one side of a branch the run decides at run time may not happen: not known
    setup.quantized_casts = [(event.span, event.detail) for m in facts.models if m.kind == "base"
                             and m.quantized.is_(True) and _bitsandbytes(m) for event in m.events
                             if event.kind == "dtype-cast" and event.span is not None
                             and not event.conditional]
    setup.ignored_assignments = [found for training_args in facts.training_args
                                 for found in _ignored_assignments(context, training_args)]
    setup.notes.extend(context.notes)
    return setup


# -- inputs of the interpreter ----------------------------------------------------


def _launches_for(unit: RunUnit, script: SourceFile) -> list[LaunchCommand | None]:
    """The launch commands that run the script (the same command once), or [None]."""
    found: list[LaunchCommand | None] = []
    seen: set[tuple[object, ...]] = set()
    for launcher in unit.of_kind("shell"):
        for command in launcher.launches:
            if command.script and Path(command.script).name == script.absolute.name:
                key = (command.launcher, command.world_size.value, command.strategy.value,
                       tuple(argument.text for argument in command.script_args),
                       tuple(sorted(command.environment.items())))
                if key not in seen:
                    seen.add(key)
                    found.append(command)
    return found or [None]


def _argv(context: Context, script: SourceFile, command: LaunchCommand | None) -> ListValue | None:
    if command is not None:
        items: list[Value] = [Const(command.span, command.script)]
        items += [Unknown(argument.span, "an argument computed when the launcher runs")
                  if UNRESOLVED in argument.text else Const(argument.span, argument.text)
                  for argument in command.script_args]
        return ListValue(command.span, items)
    configs = context.unit.configs("training-args")
    if len(configs) == 1:
        # `peft-lint train.py config.yaml`: the config named with the script is the
        # one it is run with (`python train.py config.yaml`).
        return ListValue(None, [Const(None, script.path), Const(None, configs[0].path)])
    return None


def _lookup_config(context: Context, script: SourceFile, path: str | None) -> tuple[Value, str] | None:
    configs = context.unit.configs()
    if path is None:
        candidates = [config for config in configs if config.config_role == "training-args"]
        if len(candidates) == 1 and candidates[0].config is not None:
            context.notes.append(f"the config path in {script.path} is computed at run time; "
                                 f"assumed it is {candidates[0].path}, named with the script")
            return candidates[0].config, candidates[0].path
        return None
    name = Path(path).name
    for config in configs:
        if config.config is None:
            continue
        if config.path == path or config.absolute == resolved_path(script.absolute.parent / path) \
                or config.absolute.name == name:
            return config.config, config.path
    broken = unparsed_config(context, name)
    if broken is not None:  # there, but not readable: its own finding says why
        return Unknown(Span(broken.path, 1), f"`{broken.path}` could not be parsed"), broken.path
    return None


# -- trainer and model ----------------------------------------------------------------

def _pick_trainer(facts: ScriptFacts) -> TrainerObject | None:
    trained = [trainer for trainer in facts.trainers if trainer.trained]
    if trained:
        return trained[0]
    return facts.trainers[-1] if facts.trainers else None


def _trained_model(facts: ScriptFacts, trainer: TrainerObject | None) -> TrackedModel | None:
    if trainer is not None:
        model = unwrap_model(trainer.model)
        if model is None and isinstance(trainer.model, Const) and isinstance(trainer.model.value, str):
            # TRL loads a model given by name itself.
            model = TrackedModel("base", trainer.model.span,
                                 Fact.written("AutoModelForCausalLM", trainer.span),
                                 _quantized_by_name(trainer, trainer.model), model_id=trainer.model)
        return model
    for wrapper in facts.wrappers:
        model = unwrap_model(wrapper.inner)
        if model is not None:
            return model
    # a custom loop trains what exists when its first backward() runs: a model loaded after
    # it (for inference, to compare) never trains
    start = min(facts.backward_sequences, default=NEVER)
    candidates = [model for model in facts.models if model.created < start]
    peft_models = [model for model in candidates if model.kind == "peft"]
    if peft_models:
        return peft_models[-1]
    return candidates[-1] if candidates else None


def _quantized_by_name(trainer: TrainerObject, model_id: Const) -> Fact[bool]:
    """TRL's trainers load a model given by name with `from_pretrained(name,
    **args.model_init_kwargs)`: quantized as those arguments say."""
    span = trainer.span or model_id.span
    args = trainer.args
    if not (isinstance(args, ObjectValue) and isinstance(args.obj, TrainingArgs)):
        return Fact.unknown("TRL loads the model from its name, with arguments not known", span)
    init: Value | None = args.obj.values.get("model_init_kwargs")
    for key, value, _ in args.obj.assigned_after_init:
        if key == "model_init_kwargs":
            init = value
    if init is None and args.obj.values.complete:
        init = DictValue(span, {})  # model_init_kwargs defaults to None
    if isinstance(init, Const) and init.value is None:
        init = DictValue(span, {})
    if not isinstance(init, DictValue):
        return Fact.unknown("TRL loads the model from its name, with model_init_kwargs not known", span)
    assert span is not None
    return quantized_load("from_pretrained", [model_id], init, span)


def _trainer_use(trainer: TrainerObject | None, model: TrackedModel | None,
                 facts: ScriptFacts) -> TrainerUse:
    use = TrainerUse()
    if trainer is not None:
        use.kind = Fact.written(trainer.canonical, trainer.span)
        use.span = trainer.span
        use.eval_dataset_given = _given(trainer, trainer.eval_dataset)
        use.compute_loss = trainer.compute_loss
        use.lm_collator = _lm_collator(trainer.data_collator)
        use.optimizers_given = _optimizers_given(trainer)
        use.collator_given = _given(trainer, trainer.data_collator)
        use.text_batches = _text_batches(trainer)
        peft_config = trainer.peft_config
        if peft_config is not None and not (isinstance(peft_config, Const) and peft_config.value is None):
            if isinstance(peft_config, Unknown):
                use.model_is_peft = Fact.unknown(peft_config.reason, trainer.span)
            else:
                use.model_is_peft = Fact.written(True, peft_config.span or trainer.span)
                use.peft_wrap_span = peft_config.span
                use.wraps_adapter = True
                if model is not None and model.kind == "peft":
                    use.already_wrapped_span = model.span
            return use
    elif facts.backward_spans:
        use.kind = Fact.derived("custom-loop", "backward() is called in this script", facts.backward_spans[0])
        use.span = facts.backward_spans[0]
    if model is not None:
        is_peft = model.kind == "peft"
        added = next((event for event in model.all_events() if event.kind == "adapter-added"), None)
        use.model_is_peft = Fact.derived(True, f"an adapter is added with {added.detail}", added.span) \
            if added is not None and not is_peft else \
            Fact.derived(is_peft, "the model reaching training", model.span)
        use.peft_wrap_span = model.span if is_peft else None
    elif trainer is not None:
        use.model_is_peft = Fact.unknown("the model given to the trainer is computed at run time",
                                         trainer.span)
    return use


def _text_batches(trainer: TrainerObject) -> Fact[bool]:
    """Whether the trainer's batches hold a text tokenizer's inputs only: a transformers LM collator
    built on a text tokenizer, or TRL's SFTTrainer (no collator of the script's) tokenizing with one."""
    collator = trainer.data_collator
    if isinstance(collator, ObjectValue) and isinstance(collator.obj, DataCollator):
        if _text_tokenizer(collator.obj.tokenizer):
            name = collator.obj.canonical.rsplit(".", 1)[-1]
            return Fact.derived(True, f"{name} pads a text tokenizer's input_ids and attention_mask",
                                collator.obj.span)
    elif trainer.canonical == "trl.SFTTrainer" and collator is None and \
            _text_tokenizer(trainer.processing_class):
        where = trainer.processing_class.span if trainer.processing_class else None
        return Fact.derived(True, "SFTTrainer tokenizes the text with this tokenizer and collates "
                            "input_ids, attention_mask and labels", where or trainer.span)
    return Fact.unknown("the trainer's batches are built by code or a processor peft-lint does not follow",
                        trainer.span)


def _text_tokenizer(value: Value | None) -> bool:
    return isinstance(value, ObjectValue) and isinstance(value.obj, Tokenizer) and not value.obj.processor


def _lm_collator(value: Value | None) -> CollatorUse | None:
    """The transformers LM collator the trainer is given, with what its labels will mask."""
    if not isinstance(value, ObjectValue) or not isinstance(value.obj, DataCollator):
        return None
    collator = value.obj
    mlm = collator.mlm
    mlm_fact: Fact[bool] = Fact.default(True, "default of DataCollatorForLanguageModeling", collator.span) \
        if mlm is None else Fact.written(bool(mlm.value), mlm.span) if isinstance(mlm, Const) \
        else Fact.unknown("mlm is computed at run time", collator.span)
    tokenizer = collator.tokenizer
    pad: Fact[bool] = Fact.unknown("the collator's tokenizer is computed at run time", collator.span)
    eos: Fact[bool] = Fact.unknown("whether the examples end with EOS is the data's", collator.span)
    if isinstance(tokenizer, ObjectValue) and isinstance(tokenizer.obj, Tokenizer):
        made = tokenizer.obj
        if made.eos_appended is not None:
            eos = Fact.written(True, made.eos_appended)
        if made.pad_is_eos is not None and not made.pad_is_eos_conditional:
            pad = Fact.written(True, made.pad_is_eos)
        elif made.pad_is_eos is not None:
            pad = Fact.unknown("the pad token is set to the EOS token on one path only", made.pad_is_eos)
        else:
            pad = Fact.unknown("the tokenizer's own pad token is not known", made.span)
    return CollatorUse(collator.canonical, collator.span, mlm_fact, pad, eos)


def _optimizers_given(trainer: TrainerObject) -> Fact[bool]:
    """Whether the trainer gets its own optimizer or scheduler (`optimizers=(opt, None)`)."""
    given = trainer.optimizers
    if given is None:  # (or passed through `**` values computed at run time: not known as given)
        return Fact.written(False, trainer.span)
    if isinstance(given, ListValue) and given.complete:
        set_ = [item for item in given.items if not (isinstance(item, Const) and item.value is None)]
        return Fact.written(bool(set_), given.span or trainer.span)
    return Fact.unknown("optimizers are computed at run time", given.span or trainer.span)


def _given(trainer: TrainerObject, given: Value | None) -> Fact[bool]:
    """Whether the trainer is given a keyword's value (None as a value counts as not given)."""
    if given is None or (isinstance(given, Const) and given.value is None):
        return Fact.written(False, trainer.span)
    if isinstance(given, Unknown):
        return Fact.unknown(given.reason, trainer.span)
    return Fact.written(True, given.span or trainer.span)


def _trains_here(trainer: TrainerObject | None, facts: ScriptFacts) -> Fact[bool]:
    if trainer is not None:
        return Fact.derived(True, f"`{trainer.canonical}` is built here", trainer.span)
    if facts.backward_spans:
        return Fact.derived(True, "backward() is called here", facts.backward_spans[0])
    return Fact.unknown("no Trainer and no backward() call found in the script")


def _allocation_elsewhere(trainer: TrainerObject | None, model: TrackedModel | None) -> Fact[bool]:
    """Could code outside this script call update_and_allocate during training?"""
    from peft_lint.extract.python_objects import Instance, LocalClass

    if trainer is not None:
        for callback in trainer.callbacks:
            local = isinstance(callback, ObjectValue) and isinstance(callback.obj, Instance | LocalClass)
            builtin = isinstance(callback, Ref) and callback.name.startswith("transformers.")
            visible = local or builtin
            if not visible:
                return Fact.unknown("a callback defined outside this script is passed to the trainer",
                                    callback.span or trainer.span)
        if trainer.model is not None and isinstance(trainer.model, Unknown):
            return Fact.unknown("the trainer's arguments are computed at run time", trainer.span)
    for event in model.all_events() if model else []:
        if event.kind == "escape":
            return Fact.unknown(f"the model is passed to {event.detail}", event.span)
    return Fact.derived(False, "every callback and every use of the model is in this script")


def _model_load(model: TrackedModel | None) -> ModelLoad:
    load = ModelLoad()
    if model is None:
        return load
    root = model.root()
    load.class_name = root.class_name if root.kind == "base" else model.class_name
    load.quantized = root.quantized if root.kind == "base" else model.quantized
    load.span = root.span
    if load.class_name.known and isinstance(load.class_name.value, str):
        name = tf.main_input_name(load.class_name.value)
        load.main_input_name = Fact.derived(name, f"input of {load.class_name.value}", root.span) \
            if name else Fact.unknown(f"the input of {load.class_name.value} is not known", root.span)
    else:
        load.main_input_name = Fact.unknown("the model class is not known", root.span)
    return load


def _adapter(trainer: TrainerObject | None, model: TrackedModel | None) -> AdapterConfig | Unknown | None:
    if trainer is not None and trainer.peft_config is not None:
        value = trainer.peft_config
        if isinstance(value, ObjectValue) and isinstance(value.obj, AdapterConfig):
            return value.obj
        if isinstance(value, Const) and value.value is None:
            pass
        else:
            return Unknown(value.span, "peft_config is computed at run time")
    for current in model.chain() if model else []:
        if current.kind == "peft":
            if current.adapter is not None:
                return current.adapter
            return Unknown(current.span, "the adapter config is computed at run time" if
                           not current.from_saved_adapter else "the adapter is loaded from disk")
    return None


def _adapter_spec(adapter: AdapterConfig | Unknown | None, model: TrackedModel | None,
                  load: ModelLoad) -> AdapterSpec:
    spec = AdapterSpec()
    if adapter is None:
        spec.method = Fact.unknown("no adapter found for the trained model")
        return spec
    if isinstance(adapter, Unknown):
        spec.method = Fact.unknown(adapter.reason, adapter.span)
        spec.trains_outside_blocks = Fact.unknown(adapter.reason, adapter.span)
        return spec
    spec.method = Fact.written(adapter.method, adapter.span)
    spec.config_span = adapter.span
    spec.kwargs_complete = adapter.kwargs.complete
    for key, value in adapter.kwargs.entries.items():
        spec.kwargs[key] = value_fact(value)
    spec.trains_outside_blocks = _trains_outside_blocks(adapter, load)
    return spec


def _trains_outside_blocks(adapter: AdapterConfig, load: ModelLoad) -> Fact[bool]:
    if adapter.method == "adalora":
        return Fact.derived(True, "AdaLoRA's orthogonal regulariser uses every lora_A/lora_B "
                            "outside the checkpointed layers", adapter.span)
    entries = adapter.kwargs.entries
    for key in ("modules_to_save", "trainable_token_indices"):
        value = entries.get(key)
        if value is None:
            continue
        if isinstance(value, ListValue | DictValue) and (
                value.items if isinstance(value, ListValue) else value.entries):
            return Fact.written(True, value.span)
        if isinstance(value, Const) and value.value:
            return Fact.written(True, value.span)
        if not isinstance(value, Const | ListValue | DictValue):
            return Fact.unknown(f"`{key}` is computed at run time", value.span)
    task = entries.get("task_type")
    task_name = _task_name(task)
    if task is not None and task_name is None:
        return Fact.unknown("task_type is computed at run time", task.span)
    if task_name in peft_knowledge.HEAD_TASK_TYPES:
        return Fact.written(True, task.span if task else adapter.span)
    targets = entries.get("target_modules")
    if isinstance(targets, ListValue):
        names = [item.value for item in targets.items if isinstance(item, Const)]
        if any(name in ("lm_head", "embed_tokens", "wte", "score", "classifier") for name in names):
            return Fact.written(True, targets.span)
    if not adapter.kwargs.complete:
        return Fact.unknown("the adapter config gets `**` arguments", adapter.span)
    return Fact.derived(False, "every trainable tensor sits in the checkpointed layers", adapter.span)


def _task_name(value: Value | None) -> str | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value.rsplit(".", 1)[-1].upper()

    if isinstance(value, Ref):
        return value.name.rsplit(".", 1)[-1].upper()
    return None


# -- checkpointing ------------------------------------------------------------------------


def _bitsandbytes(model: TrackedModel) -> bool:
    """Whether the model was loaded quantized by bitsandbytes (load_in_4bit/8bit, or a
    BitsAndBytesConfig), as far as its from_pretrained call shows."""
    from peft_lint.extract.python_objects import QuantizationConfig

    kwargs = model.load_kwargs
    if kwargs is None:
        return False
    if any(truthy(kwargs.entries[key]) for key in ("load_in_4bit", "load_in_8bit") if key in kwargs.entries):
        return True
    config = kwargs.entries.get("quantization_config")
    if isinstance(config, ObjectValue) and isinstance(config.obj, QuantizationConfig):
        return config.obj.canonical.endswith("BitsAndBytesConfig")
    return isinstance(config, DictValue) and \
        any(key in config.entries for key in ("load_in_4bit", "load_in_8bit"))


# -- distributed ------------------------------------------------------------------------------


# -- prepare_model_for_kbit_training ----------------------------------------------------------


# -- saving and loading ----------------------------------------------------------------------

def _discarded_results(facts: ScriptFacts) -> list[DiscardedResult]:
    found: list[DiscardedResult] = []
    for model in facts.models:
        for event in model.events:
            if event.kind != "result-discarded" or event.span is None:
                continue
            saves = [later for later in model.all_events()
                     if later.kind == "save" and later.sequence > event.sequence]
            found.append(DiscardedResult(event.span, event.detail,
                                         saves[0].span if saves else None))
    return found


def _compiled_before_wrap(facts: ScriptFacts) -> list[tuple[Span, Span]]:
    found: list[tuple[Span, Span]] = []
    for model in facts.models:
        if model.kind != "peft" or model.base is None or model.span is None:
            continue
        for event in model.base.all_events():
            if event.kind == "compiled" and event.sequence < model.created and event.span:
                found.append((event.span, model.span))
    return found


def _adapter_load(model: TrackedModel | None) -> AdapterLoad | None:
    for current in model.chain() if model else []:
        if current.kind == "peft" and current.adapter_trainable is not None and current.span:
            return AdapterLoad(current.span, current.adapter_trainable)
    return None


def _ignored_assignments(context: Context, args: TrainingArgs) -> list[tuple[Span, str]]:
    if not version_at_least(context.version("transformers"), tf.ACTIVATION_CHECKPOINTING_RENAME):
        return []
    return [(span, key) for key, _, span in args.assigned_after_init
            if span is not None and key in ("gradient_checkpointing", "gradient_checkpointing_kwargs")]


def _saving(setup: TrainingSetup, facts: ScriptFacts, trainer: TrainerObject | None,
            model: TrackedModel | None, script: SourceFile) -> None:

    setup.added_tokens = [span for tokenizer in facts.tokenizers for span in tokenizer.added_tokens]
    setup.resizes = [event.span for event in (model.all_events() if model else [])
                     if event.kind == "resized" and event.span]
    # a cast matters to training only in a script that trains, before training starts (a
    # conversion or export script casts for saving)
    start = training_begins(facts, trainer)
    setup.peft_casts = [(event.span, event.detail) for m in facts.models if m.kind == "peft"
                        for event in m.events if event.kind == "dtype-cast" and event.span
                        and event.sequence < start and not event.conditional] \
        if setup.trains_here.is_(True) else []
    setup.merges = [(event.span, event.detail, m.root().quantized) for m in facts.models
                    if m.kind == "peft" for event in m.events if event.kind == "merge" and event.span]
    for current in model.chain() if model else []:
        if current.kind == "peft" and current.load_kwargs is not None and current.span is not None:
            setup.wrap_options = call_arguments("peft.get_peft_model", current.span, current.load_kwargs)
            break
    if trainer is not None:
        setup.save_model_spans = list(trainer.save_model_spans)
        if trainer.trained_at is not None and model is not None:
            setup.saves_after_training = [
                event.span for event in model.all_events()
                if event.kind == "save" and event.sequence > trainer.trained_at and event.span]
            setup.merges_after_training = [
                (event.span, event.detail) for event in model.all_events()
                if event.kind == "merge" and event.sequence > trainer.trained_at and event.span
                and not event.conditional]
            if setup.merges_after_training:
                setup.gathers_parameters = _named_in_project(script, facts, GATHER_CALLS) != frozenset()
    assert script.tree is not None
    setup.switches_to_full_state_dict = "FULL_STATE_DICT" in script.text and any(
        isinstance(node, ast.Constant) and node.value == "FULL_STATE_DICT" for node in ast.walk(script.tree))


# what gathers sharded parameters for code outside forward (DeepSpeed's context manager, FSDP's)
GATHER_CALLS = frozenset({"GatheredParameters", "summon_full_params"})


def _named_preparations(script: SourceFile, facts: ScriptFacts) -> frozenset[str]:
    """The data-driven init calls (initialize_lora_eva_weights, ...) named in the script or the
    project modules it imports: named anywhere, they may run (a conservative reading)."""
    names = frozenset(peft_knowledge.INIT_PREPARATION.values())
    named = _named_in_project(script, facts, names)
    return names if named is None else named  # unreadable: may call any


def _named_in_project(script: SourceFile, facts: ScriptFacts, names: frozenset[str]) -> frozenset[str] | None:
    """Which of names the script or the project modules it imports name anywhere; None when one
    of those modules cannot be read."""
    texts = [script.text]
    for path in facts.module_paths:
        try:
            texts.append(Path(path).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return None
    return frozenset(name for name in names if any(name in text for text in texts))


def _zero3_leaf_modules_named(script: SourceFile, facts: ScriptFacts) -> Fact[bool]:
    """Whether the run's Python marks ZeRO-3 leaf modules itself (deepspeed.utils.set_z3_leaf_modules,
    or the single-module set_z3_leaf_module), named anywhere in the script or its project modules."""
    named = _named_in_project(script, facts, ds_knowledge.LEAF_MODULE_CALLS)
    if named is None:
        return Fact.unknown("a project module the script imports cannot be read")
    if named:
        return Fact.derived(True, f"the run's Python names {sorted(named)[0]}", None)
    return Fact.derived(False, "neither the script nor the project modules it imports name "
                        "set_z3_leaf_modules", None)


def _state_dict_patch(setup: TrainingSetup, trainer: TrainerObject | None,
                      model: TrackedModel | None) -> None:
    """The alpaca-lora patch of the trained model's state_dict, and what saves the model after it."""
    patch = next((event for event in (model.all_events() if model else [])
                  if event.kind == "state-dict-patch" and not event.conditional and event.span), None)
    if patch is None or model is None:
        return
    setup.state_dict_patch = patch.span
    setup.saves_after_patch = [event.span for event in model.all_events()
                               if event.kind == "save" and event.sequence > patch.sequence and event.span]
    strategy = setup.training_arguments.get("save_strategy")
    if trainer is not None and trainer.span is not None and trainer.trained_at is not None and \
            trainer.trained_at > patch.sequence and strategy is not None and strategy.known and \
            getattr(strategy.value, "value", strategy.value) not in ("no", "NO"):
        setup.saves_after_patch.append(trainer.span)


# -- config keys -------------------------------------------------------------------------------


