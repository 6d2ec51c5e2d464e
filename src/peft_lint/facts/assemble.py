"""Assemble one `TrainingSetup` per script of a run unit.

This is where the facts of the script, its configs and its launcher meet the
library knowledge for the resolved versions: which checkpointing variant the
Trainer will really use, whether gradients reach the checkpointed blocks, how
many processes run and what DDP's `find_unused_parameters` will be.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from pathlib import Path

from peft_lint.extract.launcher import UNRESOLVED, LaunchCommand, accelerate_config_facts
from peft_lint.extract.python_objects import (
    AdapterConfig,
    Event,
    ObjectValue,
    TrackedModel,
    TrainerObject,
    TrainingArgs,
    exclusive,
    unwrap_model,
)
from peft_lint.extract.python_script import ConfigResolver, ModuleLoader, ScriptFacts, interpret
from peft_lint.extract.training_loop import find_allocation_calls
from peft_lint.extract.values import Const, DictValue, ListValue, Ref, Unknown, Value, truthy
from peft_lint.facts.model import (
    AdapterLoad,
    AdapterSpec,
    CallArguments,
    Checkpointing,
    CheckpointOverride,
    DeepSpeedSetup,
    DiscardedResult,
    Distributed,
    Fact,
    KbitPrepareCall,
    KeyCheck,
    ModelLoad,
    ReentrantSetting,
    ResolvedVersion,
    Span,
    TrainerUse,
    TrainingSetup,
)
from peft_lint.inputs.files import SourceFile, is_file
from peft_lint.inputs.units import RunUnit
from peft_lint.knowledge import peft as peft_knowledge
from peft_lint.knowledge import torch as torch_knowledge
from peft_lint.knowledge import transformers as tf
from peft_lint.knowledge import trl as trl_knowledge
from peft_lint.knowledge.versions import version_at_least

NEVER = 1 << 62


@dataclass
class Options:
    world_size: int | None = None


@dataclass
class _Context:
    unit: RunUnit
    versions: dict[str, ResolvedVersion]
    notes: list[str] = field(default_factory=list)
    accelerate_config: object = None
    dialects: set[str] = field(default_factory=set)  # of the script being assembled

    def version(self, package: str) -> str:
        return self.versions[package].version

    def label(self, package: str) -> str:
        return f"{package} {self.version(package)}"


def assemble(unit: RunUnit, versions: dict[str, ResolvedVersion], options: Options) -> list[TrainingSetup]:
    context = _Context(unit, versions)
    scripts = unit.of_kind("python")
    if not scripts and (unit.configs("llamafactory") or unit.configs("axolotl")):
        from peft_lint.facts.dialects import assemble_axolotl, assemble_llamafactory

        setups = [assemble_llamafactory(context, config, options) for config in unit.configs("llamafactory")]
        return setups + [assemble_axolotl(context, config, options) for config in unit.configs("axolotl")]
    if not scripts:
        setup = TrainingSetup(versions=versions)
        setup.distributed = _distributed(context, None, None, None, options)
        return [setup]
    # a launcher may run a script in several ways (`case`/`if` arms, a loop): each is a run
    return [_assemble_script(context, script, options, command) for script in scripts
            for command in _launches_for(context.unit, script)]


def _assemble_script(context: _Context, script: SourceFile, options: Options,
                     command: LaunchCommand | None) -> TrainingSetup:
    argv = _argv(context, script, command)
    resolver = ConfigResolver(lambda path: _lookup_config(context, script, path))
    assert script.tree is not None
    try:
        facts = interpret(script.path, script.tree, resolver, argv,
                          lambda canonical, key: _training_arg_default(context, canonical, key),
                          _module_loader(context, script),
                          command.environment if command is not None else None)
    except RecursionError:
        setup = TrainingSetup(versions=context.versions)
        setup.notes.append(f"{script.path} is nested too deeply to follow; it was not checked")
        return setup
    context.dialects = set(facts.dialects)
    setup = TrainingSetup(versions=context.versions)
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
    setup.model.model_type = _model_type(context, model, setup.model)
    setup.model.weights_dtype = _weights_dtype(context, model)
    adapter = _adapter(trainer, model)
    setup.adapter = _adapter_spec(adapter, model, setup.model)
    setup.adapter_configs = [_adapter_spec(value.obj, None, ModelLoad())
                             for value in facts.adapter_configs if isinstance(value.obj, AdapterConfig)]
    args = _training_args(trainer)
    setup.checkpointing = _checkpointing(context, trainer, args, model, setup)
    setup.distributed = _distributed(context, command, trainer, args, options, facts, setup, script)
    setup.accelerate_config = context.accelerate_config
    setup.kbit_prepare_calls = _kbit_calls(facts)
    setup.discarded_results = _discarded_results(facts)
    setup.compiled_before_wrap = _compiled_before_wrap(facts)
    setup.adapter_load = _adapter_load(model)
    setup.load_calls = [_call_arguments(f"{m.class_name.value}.from_pretrained", m.span, m.load_kwargs)
                        for m in facts.models
                        if m.kind == "base" and m.load_kwargs is not None and m.span is not None]
    _saving(setup, facts, trainer, model, script)
    setup.quantization_configs = [_call_arguments(q.canonical, q.span, q.kwargs)
                                  for q in facts.quantization_configs if q.span is not None]
    if trainer is not None:
        setup.training_arguments = {key: _arg(context, trainer, args, key)
                                    for key in tf.TRAINING_ARGUMENT_DEFAULTS}
    setup.deepspeed = _deepspeed(context, setup, args, model)
    setup.key_checks = _key_checks(context, facts)
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

# The project modules read in this lint, by file (None: unreadable), and where each import
# statement's module was found (None: not a file of the project): folders share modules, so each
# is found and parsed once per lint. Cleared when a lint starts (`forget_modules`).
_MODULE_FILES: dict[Path, SourceFile | None] = {}
_FOUND_MODULES: dict[tuple[str, int, Path], Path | None] = {}


def forget_modules() -> None:
    from peft_lint.extract import python_script

    _MODULE_FILES.clear()
    _FOUND_MODULES.clear()
    python_script.forget_modules()


def _find_module(name: str, level: int, origin: Path) -> Path | None:
    from peft_lint.inputs.files import is_file

    key = (name, level, origin.parent)
    if key in _FOUND_MODULES:
        return _FOUND_MODULES[key]
    parts = [part for part in name.split(".") if part]
    if level:
        base = origin.parent
        for _ in range(level - 1):
            base = base.parent
        roots = [base]
    else:
        roots = list(dict.fromkeys([origin.parent, *_package_roots(origin.parent)]))
    found: Path | None = None
    for root in roots:
        target = root.joinpath(*parts) if parts else root
        module_file = (target.parent / f"{target.name}.py") if parts else None
        found = next((candidate for candidate in (module_file, target / "__init__.py")
                      if candidate is not None and is_file(candidate)), None)
        if found is not None:
            break
    _FOUND_MODULES[key] = found
    return found


def _module_loader(context: _Context, script: SourceFile) -> ModuleLoader:
    """Finds the project's modules a script imports (never importing them): a module beside the
    importing file, in its package root, or written by the same notebook; each is read once
    per unit and becomes a file of the run."""
    from peft_lint.inputs.files import read_source

    absolute_of = {script.path: script.absolute}
    written = {made.absolute.name: made for file in context.unit.files for made in file.companions
               if made.role.startswith("writefile") and made.kind == "python"}
    by_absolute = {module.absolute: module for module in context.unit.modules}

    def load(name: str, level: int, importer: str) -> tuple[str, ast.Module] | None:
        origin = absolute_of.get(importer)
        if origin is None:
            return None
        parts = [part for part in name.split(".") if part]
        if not level and len(parts) == 1 and f"{parts[0]}.py" in written and written[f"{parts[0]}.py"].tree:
            made = written[f"{parts[0]}.py"]
            absolute_of[made.path] = made.absolute
            return made.path, made.tree  # type: ignore[return-value]
        found = _find_module(name, level, origin)
        if found is None or found.resolve() == script.absolute:
            return None
        resolved = found.resolve()
        if resolved not in _MODULE_FILES:
            source = read_source(found)
            _MODULE_FILES[resolved] = source if source.tree is not None else None
        source = _MODULE_FILES[resolved]
        if source is None or source.tree is None:
            return None  # unreadable: its names stay unknown
        if source.absolute not in by_absolute:
            by_absolute[source.absolute] = source
            context.unit.modules.append(source)
        absolute_of[source.path] = source.absolute
        return source.path, source.tree

    return load


def _package_roots(folder: Path) -> list[Path]:
    """The folder above the package the folder belongs to (where `import package.module` starts)."""
    current = folder
    for _ in range(8):
        if not (current / "__init__.py").is_file() or current.parent == current:
            break
        current = current.parent
    return [current] if current != folder else []

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


def _argv(context: _Context, script: SourceFile, command: LaunchCommand | None) -> ListValue | None:
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


def _lookup_config(context: _Context, script: SourceFile, path: str | None) -> tuple[Value, str] | None:
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
        if config.path == path or config.absolute == _resolved(script.absolute.parent / path) \
                or config.absolute.name == name:
            return config.config, config.path
    return None


def _training_arg_default(context: _Context, canonical: str, key: str) -> object | None:
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
                                 Fact.unknown("TRL loads the model from its name", trainer.span),
                                 model_id=trainer.model)
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


def _trainer_use(trainer: TrainerObject | None, model: TrackedModel | None,
                 facts: ScriptFacts) -> TrainerUse:
    use = TrainerUse()
    if trainer is not None:
        use.kind = Fact.written(trainer.canonical, trainer.span)
        use.span = trainer.span
        peft_config = trainer.peft_config
        if peft_config is not None and not (isinstance(peft_config, Const) and peft_config.value is None):
            if isinstance(peft_config, Unknown):
                use.model_is_peft = Fact.unknown(peft_config.reason, trainer.span)
            else:
                use.model_is_peft = Fact.written(True, peft_config.span or trainer.span)
                use.peft_wrap_span = peft_config.span
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


def _trains_here(trainer: TrainerObject | None, facts: ScriptFacts) -> Fact[bool]:
    if trainer is not None:
        return Fact.derived(True, f"`{trainer.canonical}` is built here", trainer.span)
    if facts.backward_spans:
        return Fact.derived(True, "backward() is called here", facts.backward_spans[0])
    return Fact.unknown("no Trainer and no backward() call found in the script")


def _allocation_elsewhere(trainer: TrainerObject | None, model: TrackedModel | None) -> Fact[bool]:
    """Could code outside this script call update_and_allocate during training?"""
    from peft_lint.extract.python_objects import Instance, LocalClass
    from peft_lint.extract.values import Ref

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
        spec.kwargs[key] = _value_fact(value)
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
    from peft_lint.extract.values import Ref

    if isinstance(value, Ref):
        return value.name.rsplit(".", 1)[-1].upper()
    return None


def _training_args(trainer: TrainerObject | None) -> TrainingArgs | Unknown | None:
    if trainer is None:
        return None
    value = trainer.args
    if value is None:
        return None
    if isinstance(value, ObjectValue) and isinstance(value.obj, TrainingArgs):
        return value.obj
    return Unknown(value.span, "the training arguments are computed at run time")


def _arg(context: _Context, trainer: TrainerObject, args: TrainingArgs | Unknown | None,
         *keys: str) -> Fact[object]:
    """A TrainingArguments field: written, assigned later, or the default for the versions."""
    if isinstance(args, Unknown):
        return Fact.unknown(args.reason, args.span)
    default_class = "trl.SFTConfig" if trainer.canonical in trl_knowledge.TRAINER_CLASSES \
        else "transformers.TrainingArguments"
    canonical = args.canonical if args is not None else default_class
    values = args.values if args is not None else DictValue(trainer.span, {})
    fact: Fact[object] | None = None
    # a renamed field's old spelling carries its value for every rule (PFT701 alone says
    # whether the version still takes it): one root cause, one finding
    spellings = [old for key in keys for old in tf.OLD_FIELD_NAMES.get(key, ())] + list(keys)
    for key in spellings:
        entry = values.entries.get(key)
        if entry is not None:
            fact = _value_fact(entry)
    if fact is None and not values.complete:
        return Fact.unknown(f"`{keys[0]}` may be set by values computed at run time", values.span)
    if args is not None:
        fact = _assigned_after(context, args, keys, fact)
    if fact is not None:
        return fact
    if canonical in trl_knowledge.CONFIG_CLASSES and keys[0] in trl_knowledge.CONDITIONAL_DEFAULTS:
        return Fact.unknown(f"TRL's default for `{keys[0]}` depends on other fields", values.span)
    default = _training_arg_default(context, canonical, keys[0])
    package = "trl" if canonical in trl_knowledge.CONFIG_CLASSES and \
        trl_knowledge.config_default(keys[0], context.version("trl")) is not None else "transformers"
    short = canonical.rsplit(".", 1)[-1]
    return Fact.default(default, f"default of {short} in {context.label(package)}",
                        args.span if args is not None else trainer.span)


def _assigned_after(context: _Context, args: TrainingArgs, keys: tuple[str, ...],
                    fact: Fact[object] | None) -> Fact[object] | None:
    renamed = version_at_least(context.version("transformers"), tf.ACTIVATION_CHECKPOINTING_RENAME)
    for key, value, _ in args.assigned_after_init:
        if key not in keys:
            continue
        if renamed and key.startswith("gradient_checkpointing"):
            # 5.23+: the old names are copied to activation_checkpointing* once, in
            # __post_init__; a later assignment is never read (rule gc-args-assigned-after-init).
            continue
        fact = _value_fact(value)
    return fact


def _value_fact(value: Value) -> Fact[object]:
    from peft_lint.extract.values import Ref

    if isinstance(value, Const):
        return Fact.written(value.value, value.span)
    if isinstance(value, Ref):  # a library object such as torch.float16, by name
        return Fact.written(value.name, value.span)
    if isinstance(value, ListValue) and value.complete:
        items = [_value_fact(item) for item in value.items]
        if all(item.known for item in items):
            return Fact.written([item.value for item in items], value.span)
    if isinstance(value, DictValue):
        return Fact.written(value, value.span)
    return Fact.unknown(getattr(value, "reason", "computed at run time"), value.span)


def _bool(fact: Fact[object]) -> Fact[bool]:
    if not fact.known:
        return Fact(None, False, fact.origin)
    if fact.value is None:
        return Fact(None, True, fact.origin)
    decided = truthy(Const(None, fact.value)) if not isinstance(fact.value, DictValue) else True
    if decided is None:
        return Fact.unknown(f"`{fact.value}` is not a boolean", fact.span)
    return Fact(decided, True, fact.origin)


# -- checkpointing ------------------------------------------------------------------------

@dataclass
class _GcState:
    enabled: Fact[bool]
    use_reentrant: Fact[bool]
    input_grads: Fact[bool]
    # the setting that would change use_reentrant, valid while use_reentrant is still `for_fact`
    setting: ReentrantSetting | None = None
    for_fact: Fact[bool] | None = None

    def offer(self, setting: ReentrantSetting | None) -> None:
        self.setting, self.for_fact = setting, self.use_reentrant

    def final_setting(self) -> ReentrantSetting | None:
        fact = self.use_reentrant
        if fact.origin.kind != "default" or self.for_fact is not fact:
            return None
        return self.setting


NON_REENTRANT_YAML = "gradient_checkpointing_kwargs: {use_reentrant: false}"


def _python_call(span: Span | None,
                 keyword: str = "gradient_checkpointing_kwargs") -> ReentrantSetting | None:
    """A call that takes the checkpointing kwargs as `keyword` and does not pass them yet."""
    if span is None or not span.path.endswith(".py") or span.end_line is None:
        return None
    return ReentrantSetting("call", span, f'{keyword}={{"use_reentrant": False}}')


def _checkpointing(context: _Context, trainer: TrainerObject | None, args: TrainingArgs | Unknown | None,
                   model: TrackedModel | None, setup: TrainingSetup) -> Checkpointing:
    state = _GcState(Fact.derived(False, "nothing enables checkpointing"),
                     Fact.unknown("checkpointing is off"),
                     Fact.derived(False, "nothing enables input gradients"))
    training_start = trainer_training_start(trainer)
    manual: list[tuple[Span, Fact[bool]]] = []
    if model is not None:
        for event in model.all_events():
            if event.sequence < training_start:
                _apply_model_event(context, state, event, model, setup)
                if event.kind == "gc-enable" and not event.conditional and event.span is not None:
                    manual.append((event.span, resolve_use_reentrant(context, event.kwargs, "model-call",
                                                                     event.span)))
    if trainer is not None and "unsloth" in context.dialects:
        # unsloth's trainers and configs set checkpointing themselves (its configs pin
        # use_reentrant when checkpointing is on; its trainers call model.for_training)
        if state.enabled.is_(True) or not state.enabled.known:
            state.use_reentrant = Fact.unknown("unsloth's trainer sets checkpointing itself", trainer.span)
    elif trainer is not None:
        before = state.use_reentrant
        _apply_trainer(context, state, trainer, args, setup)
        if state.use_reentrant is not before and state.enabled.is_(True):
            final = state.use_reentrant
            setup.checkpoint_overrides = [
                CheckpointOverride(span, reentrant, final) for span, reentrant in manual
                if reentrant.known and final.known and reentrant.value != final.value]
    return Checkpointing(state.enabled, state.use_reentrant, state.input_grads, state.final_setting())


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


def _training_start(facts: ScriptFacts, trainer: TrainerObject | None) -> int:
    """When training starts: `trainer.train()`, else the first backward() of a custom loop."""
    if trainer is not None:
        return trainer_training_start(trainer)
    return min(facts.backward_sequences, default=NEVER)


def trainer_training_start(trainer: TrainerObject | None) -> int:
    """Events after `trainer.train()` (saving, evaluating) do not change training."""
    if trainer is not None and trainer.trained_at is not None:
        return trainer.trained_at
    return NEVER


def _apply_model_event(context: _Context, state: _GcState, event: Event, model: TrackedModel,
                       setup: TrainingSetup) -> None:
    span = event.span
    if event.kind == "gc-enable":
        _enable(context, state, event.kwargs, "model-call", span, event.conditional, setup)
        if event.kwargs is None and not event.conditional:
            state.offer(_python_call(span, event.detail.replace("_enable", "_kwargs")))
        owner = _owner_of(model, event)
        if owner is not None and owner.kind == "base" and not event.conditional and \
                _wrapped_after(model, owner, event) and owner.quantized.is_(False):
            state.input_grads = Fact.derived(
                True, "PEFT enables input gradients when the base model has checkpointing on "
                "before get_peft_model", span)
    elif event.kind == "gc-disable":
        state.enabled = Fact.written(False, span)
    elif event.kind == "input-grads":
        if event.conditional and not state.input_grads.is_(True):
            state.input_grads = Fact.unknown("input gradients are enabled on one path only", span)
        elif not event.conditional:
            state.input_grads = Fact.written(True, span)
    elif event.kind == "input-grads-off":
        state.input_grads = Fact.written(False, span)
    elif event.kind == "kbit-prepare":
        _apply_kbit_prepare(context, state, event, model, setup)
    elif event.kind == "escape":
        if state.input_grads.is_(False):
            state.input_grads = Fact.unknown(f"the model is passed to {event.detail}, which peft-lint "
                                             "cannot read", span)
        if state.enabled.is_(False):
            state.enabled = Fact.unknown(f"the model is passed to {event.detail}, which peft-lint "
                                         "cannot read", span)


def _owner_of(model: TrackedModel, event: Event) -> TrackedModel | None:
    for current in model.chain():
        if event in current.events:
            return current
    return None


def _wrapped_after(model: TrackedModel, owner: TrackedModel, event: Event) -> bool:
    return any(current.base is owner and current.created > event.sequence for current in model.chain())


def _apply_kbit_prepare(context: _Context, state: _GcState, event: Event, model: TrackedModel,
                        setup: TrainingSetup) -> None:
    quantized = model.root().quantized
    kwargs = event.kwargs if isinstance(event.kwargs, DictValue) else DictValue(None, {})
    use_gc = kwargs.entries.get("use_gradient_checkpointing")
    use_gc_value = True if use_gc is None else truthy(use_gc)
    if quantized.is_(False):
        return  # on an unquantized model the call neither enables checkpointing nor input grads
    if not quantized.known or use_gc_value is None or not kwargs.complete:
        reason = ("prepare_model_for_kbit_training enables checkpointing and input gradients only "
                  "for a quantized model, and this model's quantization is not known"
                  if not quantized.known else
                  "the arguments of prepare_model_for_kbit_training are computed at run time")
        state.enabled = Fact.unknown(reason, event.span)
        state.use_reentrant = Fact.unknown(reason, event.span)
        state.input_grads = Fact.unknown(reason, event.span)
        return
    if not use_gc_value:
        return
    state.input_grads = Fact.derived(True, "prepare_model_for_kbit_training enables input gradients",
                                     event.span)
    options = kwargs.entries.get("gradient_checkpointing_kwargs")
    _enable(context, state, options if options is not None else None, "kbit-prepare", event.span,
            event.conditional, setup)
    if options is None and not event.conditional:
        state.offer(_python_call(event.span))


def _enable(context: _Context, state: _GcState, options: Value | None, source: str, span: Span | None,
            conditional: bool, setup: TrainingSetup) -> None:
    if conditional:
        if not state.enabled.is_(True):
            state.enabled = Fact.unknown("checkpointing is enabled on one path only", span)
        state.use_reentrant = Fact.unknown("checkpointing is enabled on one path only", span)
        return
    state.enabled = Fact.written(True, span)
    state.use_reentrant = resolve_use_reentrant(context, options, source, span)
    state.offer(None)
    if context.versions and tf.adds_input_grads_for_text_models(context.version("transformers")):
        main_input = setup.model.main_input_name
        if main_input.is_("input_ids"):
            state.input_grads = Fact.derived(
                True, f"{context.label('transformers')} enables input gradients for text models "
                "when checkpointing is enabled", span)
        elif not main_input.known and not state.input_grads.is_(True):
            state.input_grads = Fact.unknown(
                f"{context.label('transformers')} enables input gradients only for `input_ids` "
                "models, and the model's input is not known", span)


def resolve_use_reentrant(context: _Context, options: Value | None, source: str,
                          span: Span | None) -> Fact[bool]:
    """Which checkpoint variant a call enables, for the resolved versions.

    source: "model-call" (`model.gradient_checkpointing_enable(kwargs)`), "trainer"
    (the Trainer's call with `args.gradient_checkpointing_kwargs`), "kbit-prepare"
    (`prepare_model_for_kbit_training`, which turns None into `{}`).
    """
    transformers_version = context.version("transformers")
    if options is None or (isinstance(options, Const) and options.value is None):
        if source == "kbit-prepare":
            return _torch_default(context, span, "prepare_model_for_kbit_training passes `{}`")
        reentrant = not tf.non_reentrant_by_default(transformers_version)
        return Fact.default(reentrant, f"default of {context.label('transformers')}: "
                            f"use_reentrant={reentrant}", span)
    if not isinstance(options, DictValue):
        return Fact.unknown("the checkpointing kwargs are computed at run time", options.span or span)
    entry = options.entries.get("use_reentrant")
    if entry is not None:
        decided = truthy(entry)
        if decided is None:
            return Fact.unknown("use_reentrant is computed at run time", entry.span or span)
        return Fact.written(decided, entry.span or span)
    if not options.complete:
        return Fact.unknown("use_reentrant may be set by values computed at run time", options.span or span)
    if source == "trainer" and not options.entries and \
            tf.non_reentrant_by_default(transformers_version):
        if version_at_least(transformers_version, "5.24.0"):
            # 5.24 trainer.py passes `gc_kwargs or None`: an empty dict means the default
            return Fact.default(False, f"default of {context.label('transformers')}", options.span or span)
        return Fact.unknown(f"what {context.label('transformers')} does with empty checkpointing "
                            "kwargs was not checked", options.span or span)
    return _torch_default(context, options.span or span, "the kwargs do not set use_reentrant")


def _torch_default(context: _Context, span: Span | None, why: str) -> Fact[bool]:
    decided = torch_knowledge.empty_kwargs_mean_reentrant(context.version("torch"))
    if decided is None:
        return Fact.unknown(f"{why}, and the default of {context.label('torch')} was not checked", span)
    return Fact.default(True, f"{why}: torch's default, reentrant ({context.label('torch')})", span)


def _apply_trainer(context: _Context, state: _GcState, trainer: TrainerObject,
                   args: TrainingArgs | Unknown | None, setup: TrainingSetup) -> None:
    enabled = _bool(_arg(context, trainer, args, "gradient_checkpointing", "activation_checkpointing"))
    if enabled.is_(False) or (enabled.known and enabled.value is None):
        return
    if not enabled.known:
        if not state.enabled.is_(True):
            state.enabled = Fact(None, False, enabled.origin)
        state.use_reentrant = Fact.unknown("the Trainer may re-enable checkpointing with other "
                                           "kwargs", enabled.span)
        return
    options_fact = _arg(context, trainer, args, "gradient_checkpointing_kwargs",
                        "activation_checkpointing_kwargs")
    options = _fact_value(options_fact)
    state.enabled = Fact(True, True, enabled.origin)
    is_trl = trainer.canonical in trl_knowledge.TRAINER_CLASSES
    transformers_version = context.version("transformers")
    if is_trl and not tf.non_reentrant_by_default(transformers_version) and \
            trl_knowledge.sets_non_reentrant_default(context.version("trl")) and \
            not _sets_use_reentrant(options):
        state.use_reentrant = Fact.default(
            False, f"{context.label('trl')} sets use_reentrant=False on transformers < 5",
            enabled.span)
    else:
        state.use_reentrant = resolve_use_reentrant(context, options, "trainer", enabled.span)
        state.offer(_trainer_setting(args, enabled) if options is None else None)
    if is_trl and not setup.trainer.model_is_peft.known:
        state.input_grads = Fact.unknown("whether TRL wraps the model with PEFT is not known",
                                         enabled.span)
    if is_trl and setup.trainer.model_is_peft.is_(True):
        grads = trl_knowledge.enables_input_grads(context.version("trl"))
        if grads:
            state.input_grads = Fact.default(True, f"{context.label('trl')} enables input gradients "
                                             "for PEFT models with checkpointing", enabled.span)
        elif not state.input_grads.is_(True):
            state.input_grads = Fact.unknown(f"what {context.label('trl')} does for input gradients "
                                             "was not checked", enabled.span)
        if not trl_knowledge.sets_non_reentrant_default(context.version("trl")) and \
                not setup.model.quantized.is_(False):
            state.use_reentrant = Fact.unknown("older TRL prepares quantized models itself",
                                               enabled.span)
    if tf.adds_input_grads_for_text_models(transformers_version):
        main_input = setup.model.main_input_name
        if main_input.is_("input_ids"):
            state.input_grads = Fact.derived(
                True, f"{context.label('transformers')} enables input gradients for text models "
                "when checkpointing is enabled", enabled.span)
        elif not main_input.known and not state.input_grads.is_(True):
            state.input_grads = Fact.unknown("the model's input is not known", enabled.span)


def _trainer_setting(args: TrainingArgs | Unknown | None, enabled: Fact[object]) -> ReentrantSetting | None:
    """Where the Trainer's checkpointing kwargs can be written: the TrainingArguments call, or
    below the YAML line that turns checkpointing on."""
    if isinstance(args, TrainingArgs) and args.from_call and args.values.complete and \
            not args.assigned_after_init and not set(tf.GC_KWARGS_KEYS) & set(args.values.entries):
        return _python_call(args.span)
    span = enabled.span
    if span is not None and enabled.origin.kind == "written" and span.path.endswith((".yaml", ".yml")):
        return ReentrantSetting("yaml-below", span, NON_REENTRANT_YAML)
    return None


def _fact_value(fact: Fact[object]) -> Value | None:
    if not fact.known:
        return Unknown(fact.span, fact.origin.detail)
    if isinstance(fact.value, DictValue):
        return fact.value
    if fact.value is None:
        return None
    return Unknown(fact.span, "not a dict")


def _sets_use_reentrant(options: Value | None) -> bool:
    return (isinstance(options, DictValue) and ("use_reentrant" in options.entries or not options.complete)) \
        or isinstance(options, Unknown)


# -- distributed ------------------------------------------------------------------------------

def _distributed(context: _Context, command: LaunchCommand | None, trainer: TrainerObject | None,
                 args: TrainingArgs | Unknown | None, options: Options,
                 facts: ScriptFacts | None = None, setup: TrainingSetup | None = None,
                 script: SourceFile | None = None) -> Distributed:
    distributed = Distributed()
    if command is not None:
        distributed.world_size = command.world_size
        distributed.strategy = command.strategy
        distributed.launcher_span = command.span
        if command.launcher == "accelerate":
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
        distributed.world_size = Fact(options.world_size, True, _cli_origin())
        if not distributed.strategy.known:
            distributed.strategy = Fact("ddp" if options.world_size > 1 else "none", True, _cli_origin())
    if trainer is not None:
        _trainer_strategy(context, trainer, args, distributed)
        _trainer_ddp_flags(context, trainer, args, distributed, setup)
    elif facts is not None and facts.wrappers:
        wrapper = facts.wrappers[0]
        distributed.find_unused_parameters = wrapper.find_unused
        distributed.static_graph = wrapper.static_graph
    return distributed


def _cli_origin() -> object:
    from peft_lint.facts.model import Origin

    return Origin("cli", "from --world-size")


def _accelerate_config(context: _Context, command: LaunchCommand | None, distributed: Distributed) -> None:
    configs = context.unit.configs("accelerate")
    if command is not None and command.accelerate_config:
        named = Path(command.accelerate_config).name
        configs = [config for config in context.unit.configs() if config.absolute.name == named] or configs
    if not configs:
        if command is not None and command.accelerate_config:
            context.notes.append(f"accelerate config `{command.accelerate_config}` was not found")
        return
    config = configs[0]
    from peft_lint.extract.config_files import plain

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


def _trainer_strategy(context: _Context, trainer: TrainerObject, args: TrainingArgs | Unknown | None,
                      distributed: Distributed) -> None:
    for key, strategy in (("deepspeed", "deepspeed"), ("fsdp", "fsdp")):
        fact = _arg(context, trainer, args, key)
        if fact.known and fact.value not in (None, "", False, []):
            distributed.strategy = Fact.written(strategy, fact.span)
            return
        if not fact.known and distributed.strategy.is_("ddp"):
            distributed.strategy = Fact.unknown(f"`{key}` may be set at run time", fact.span)
            return


def _trainer_ddp_flags(context: _Context, trainer: TrainerObject, args: TrainingArgs | Unknown | None,
                       distributed: Distributed, setup: TrainingSetup | None) -> None:
    written = _arg(context, trainer, args, "ddp_find_unused_parameters")
    if written.known and written.value is not None:
        distributed.find_unused_parameters = _bool(written)
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
    static = _arg(context, trainer, args, "ddp_static_graph")
    if static.known:
        distributed.static_graph = Fact(bool(static.value), True, static.origin)
    else:
        distributed.static_graph = Fact(None, False, static.origin)


# -- prepare_model_for_kbit_training ----------------------------------------------------------

def _kbit_calls(facts: ScriptFacts) -> list[KbitPrepareCall]:
    calls: list[KbitPrepareCall] = []
    for span, model, event in facts.kbit_calls:
        if model is None or event is None:
            calls.append(KbitPrepareCall(span, Fact.unknown("the model is computed at run time", span),
                                         Fact.unknown("the model is computed at run time", span)))
            continue
        wrapper = _peft_wrapping(facts, model, event)
        on_peft: Fact[bool] = Fact.derived(True, "called on a PEFT model", wrapper.span) \
            if wrapper is not None else Fact.derived(False, "called before get_peft_model", span)
        calls.append(KbitPrepareCall(span, on_peft, model.root().quantized,
                                     wrapper.span if wrapper else None, model.root().span))
    return calls


def _peft_wrapping(facts: ScriptFacts, model: TrackedModel, event: Event) -> TrackedModel | None:
    """The PEFT model the call reaches: the model itself, or one made from it earlier (not on
    another arm of a branch: `if resume: PeftModel.from_pretrained(...) else: prepare...`)."""
    for current in model.chain():
        if current.kind == "peft" and current.created < event.sequence and \
                not exclusive(current.branch_path, event.branch_path):
            return current
    for candidate in facts.models:
        if candidate.kind == "peft" and candidate.base is model and candidate.created < event.sequence \
                and not exclusive(candidate.branch_path, event.branch_path):
            return candidate
    return None


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


def _call_arguments(canonical: str, span: Span, kwargs: DictValue) -> CallArguments:
    """The keyword arguments of a call as facts, each where the call passes it: a value that
    comes from elsewhere (a flag's default, a variable) is shown at its keyword."""
    facts: dict[str, Fact[object]] = {}
    for key, value in kwargs.entries.items():
        fact = _value_fact(value)
        where = kwargs.key_spans.get(key)
        elsewhere = fact.span is None or (fact.span.path, fact.span.line) != (where.path, where.line) \
            if where is not None else False
        if where is not None and elsewhere and isinstance(value, Const):  # a scalar from a flag, a variable
            fact = Fact(fact.value, fact.known, replace(fact.origin, span=where))
        facts[key] = fact
    return CallArguments(canonical, span, facts, kwargs.complete)


def _ignored_assignments(context: _Context, args: TrainingArgs) -> list[tuple[Span, str]]:
    if not version_at_least(context.version("transformers"), tf.ACTIVATION_CHECKPOINTING_RENAME):
        return []
    return [(span, key) for key, _, span in args.assigned_after_init
            if span is not None and key in ("gradient_checkpointing", "gradient_checkpointing_kwargs")]


def _deepspeed(context: _Context, setup: TrainingSetup, args: TrainingArgs | Unknown | None,
               model: TrackedModel | None) -> DeepSpeedSetup | None:
    fact = setup.training_arguments.get("deepspeed")
    before = _args_before_load(args, model)
    if fact is None or not fact.known or fact.value in (None, ""):
        return _accelerate_deepspeed(context, before)
    config: object = fact.value
    span = fact.span
    if isinstance(fact.value, str):
        named = _deepspeed_file(context, fact.value)
        if named is None:
            return None
        config, span = named, named.span
    if not isinstance(config, DictValue) or span is None:
        return None
    return DeepSpeedSetup(config, span, _zero_stage(config, span), before)


def _args_before_load(args: TrainingArgs | Unknown | None, model: TrackedModel | None) -> Fact[bool]:
    """Whether TrainingArguments exist at the model load: building them registers the DeepSpeed
    config that from_pretrained consults (a weak reference, kept alive by the arguments)."""
    if isinstance(args, TrainingArgs) and model is not None:
        return Fact.derived(args.created < model.root().created, "program order", args.span)
    return Fact.unknown("the order of the arguments and the model load is not known")


def _saving(setup: TrainingSetup, facts: ScriptFacts, trainer: TrainerObject | None,
            model: TrackedModel | None, script: SourceFile) -> None:

    setup.added_tokens = [span for tokenizer in facts.tokenizers for span in tokenizer.added_tokens]
    setup.resizes = [event.span for event in (model.all_events() if model else [])
                     if event.kind == "resized" and event.span]
    # a cast matters to training only in a script that trains, before training starts (a
    # conversion or export script casts for saving)
    start = _training_start(facts, trainer)
    setup.peft_casts = [(event.span, event.detail) for m in facts.models if m.kind == "peft"
                        for event in m.events if event.kind == "dtype-cast" and event.span
                        and event.sequence < start and not event.conditional] \
        if setup.trains_here.is_(True) else []
    setup.merges = [(event.span, event.detail, m.root().quantized) for m in facts.models
                    if m.kind == "peft" for event in m.events if event.kind == "merge" and event.span]
    for current in model.chain() if model else []:
        if current.kind == "peft" and current.load_kwargs is not None and current.span is not None:
            setup.wrap_options = _call_arguments("peft.get_peft_model", current.span, current.load_kwargs)
            break
    if trainer is not None:
        setup.save_model_spans = list(trainer.save_model_spans)
        if trainer.trained_at is not None and model is not None:
            setup.saves_after_training = [
                event.span for event in model.all_events()
                if event.kind == "save" and event.sequence > trainer.trained_at and event.span]
    assert script.tree is not None
    setup.switches_to_full_state_dict = "FULL_STATE_DICT" in script.text and any(
        isinstance(node, ast.Constant) and node.value == "FULL_STATE_DICT" for node in ast.walk(script.tree))


# -- config keys -------------------------------------------------------------------------------

def _key_checks(context: _Context, facts: ScriptFacts) -> list[KeyCheck]:

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
                       if key not in allowed and key in parsed.values.key_spans]
            if unknown and parsed.values.complete:
                package = next((kind.name.split(".")[0] for kind in parsed.types if isinstance(kind, Ref)),
                               "transformers")
                checks.append(KeyCheck(f"HfArgumentParser({', '.join(names)})", "parser", unknown,
                                       frozenset(allowed), package,
                                       tuple(kind.name for kind in parsed.types if isinstance(kind, Ref))))
    return checks


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

    from peft_lint.extract.python_objects import LocalClass
    from peft_lint.knowledge import fields

    if isinstance(kind, Ref):
        return fields.fields(kind.name, versions)
    if isinstance(kind, ObjectValue) and isinstance(kind.obj, LocalClass):
        node = kind.obj.node
        assert isinstance(node, ast.ClassDef)
        if kind.obj.bases and not any(base in fields.TABLES for base in kind.obj.bases):
            return None  # inherits fields peft-lint cannot see
        own = {statement.target.id for statement in node.body
               if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)}
        inherited = set()
        for base in kind.obj.bases:
            base_fields = fields.fields(base, versions)
            if base_fields is None:
                return None
            inherited |= base_fields
        return frozenset(own | inherited)
    return None


def _model_type(context: _Context, model: TrackedModel | None, load: ModelLoad) -> Fact[str]:
    from peft_lint.knowledge import modules

    if model is None:
        return Fact.unknown("no model found")
    root = model.root()
    if load.class_name.known:
        found = modules.model_type_from_class(str(load.class_name.value), context.version("transformers"))
        if found:
            return Fact.derived(found, f"from the class {load.class_name.value}", root.span)
    model_id = root.model_id
    if isinstance(model_id, Const) and isinstance(model_id.value, str):
        local = _local_model_type(context, model_id.value)
        if local:
            return Fact.derived(local, f"from the model id {model_id.value}", model_id.span)
        return _model_type_from_id(model_id)
    return Fact.unknown("the model id is chosen at run time", root.span)


def _model_type_from_id(model_id: Value | None) -> Fact[str]:
    from peft_lint.knowledge import modules

    if not (isinstance(model_id, Const) and isinstance(model_id.value, str)):
        return Fact.unknown("the model id is chosen at run time", model_id.span if model_id else None)
    found = modules.model_type_from_id(model_id.value)
    if found:
        return Fact.derived(found, f"from the model id {model_id.value}", model_id.span)
    return Fact.unknown(f"the architecture of `{model_id.value}` is not known to peft-lint", model_id.span)


def _local_model_type(context: _Context, model_id: str) -> str | None:
    """model_type from a local checkpoint folder's config.json, next to the run."""
    value = _local_config(context, model_id).get("model_type")
    return value if isinstance(value, str) else None


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):  # a name read from a script: NUL, loops, length
        return None


def _local_config(context: _Context, model_id: str) -> dict[str, object]:
    """A local checkpoint folder's config.json, next to the run; {} when there is none."""
    import json

    for folder in context.unit.directories():
        config = folder / model_id / "config.json"
        if is_file(config):
            try:
                loaded = json.loads(config.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            return loaded if isinstance(loaded, dict) else {}
    return {}


def _weights_dtype(context: _Context, model: TrackedModel | None) -> Fact[str]:
    """The dtype from_pretrained gives the weights: the dtype argument, else the checkpoint's
    own dtype where that is the default (transformers >= 5) or asked for (dtype="auto")."""
    if model is None or model.root().kind != "base" or model.root().load_kwargs is None:
        return Fact.unknown("no from_pretrained call found")
    root = model.root()
    kwargs = root.load_kwargs
    assert kwargs is not None
    given = kwargs.get("dtype") or kwargs.get("torch_dtype")
    if isinstance(given, Unknown):
        return Fact.unknown("the dtype is chosen at run time", given.span)
    if given is not None:
        text = given.name if isinstance(given, Ref) else given.value if isinstance(given, Const) else None
        name = tf.dtype_name(text)
        if name is None:
            return Fact.unknown("the dtype is chosen at run time", given.span)
        if name != "auto":
            return Fact.written(name, given.span)
    elif not tf.loads_checkpoint_dtype_by_default(context.version("transformers")):
        return Fact.derived("float32", "from_pretrained loads float32 by default before transformers 5",
                            root.span)
    return _checkpoint_dtype(context, root.model_id, given.span if given is not None else root.span)


def _checkpoint_dtype(context: _Context, model_id: Value | None, span: Span | None) -> Fact[str]:
    if not (isinstance(model_id, Const) and isinstance(model_id.value, str)):
        return Fact.unknown("the checkpoint's dtype is not known (the model id is chosen at run time)", span)
    config = _local_config(context, model_id.value)
    stored = config.get("dtype") or config.get("torch_dtype")
    name = tf.dtype_name(stored) if stored else tf.CHECKPOINT_DTYPES.get(model_id.value)
    if name is None or name == "auto":
        return Fact.unknown(f"the dtype of the checkpoint `{model_id.value}` is not known", span)
    source = "its config.json" if stored else "its hub config"
    return Fact.derived(name, f"the checkpoint dtype of {model_id.value} ({source})", span)


def _accelerate_deepspeed(context: _Context, args_before_load: Fact[bool]) -> DeepSpeedSetup | None:
    """ZeRO settings of an `accelerate launch` config (distributed_type: DEEPSPEED)."""
    accelerate = context.accelerate_config
    if not isinstance(accelerate, DictValue):
        return None
    kind = accelerate.entries.get("distributed_type")
    section = accelerate.entries.get("deepspeed_config")
    if not (isinstance(kind, Const) and kind.value == "DEEPSPEED" and isinstance(section, DictValue)):
        return None
    config: DictValue = section
    stage: Fact[int] = Fact.unknown("zero_stage is not set", section.span)
    config_file = section.entries.get("deepspeed_config_file")
    if config_file is not None:
        # accelerate then takes every ZeRO setting from the JSON it names
        named = _deepspeed_file(context, config_file.value) if isinstance(config_file, Const) else None
        if named is None or named.span is None:
            return None
        config, stage = named, _zero_stage(named, named.span)
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
    return DeepSpeedSetup(config, span, stage, before)


def _deepspeed_file(context: _Context, path: object) -> DictValue | None:
    """The DeepSpeed JSON a setting names, when it is among the files of the run."""
    if not isinstance(path, str) or not path:
        return None
    name = Path(path).name
    found = [file for file in context.unit.configs() if file.absolute.name == name]
    if not found or not isinstance(found[0].config, DictValue):
        context.notes.append(f"DeepSpeed config `{path}` is not among the files of this run")
        return None
    return found[0].config


def _zero_stage(config: DictValue, span: Span) -> Fact[int]:
    section = config.entries.get("zero_optimization")
    if isinstance(section, DictValue):
        entry = section.entries.get("stage")
        if isinstance(entry, Const) and isinstance(entry.value, int):
            return Fact.written(entry.value, entry.span)
    return Fact.unknown("zero_optimization.stage is not set", span)
