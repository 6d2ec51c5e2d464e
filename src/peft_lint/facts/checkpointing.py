"""Gradient checkpointing as it is in force when training starts: which call enables it, with
which variant (reentrant or not), and whether the inputs require grad."""

from __future__ import annotations

from dataclasses import dataclass

from peft_lint.extract.python_objects import (
    Event,
    TrackedModel,
    TrainerObject,
    TrainingArgs,
    exclusive,
)
from peft_lint.extract.python_script import ScriptFacts
from peft_lint.facts.arguments import argument_fact, bool_fact, fact_value
from peft_lint.facts.context import NEVER, Context
from peft_lint.facts.model import (
    Checkpointing,
    CheckpointOverride,
    Fact,
    KbitPrepareCall,
    ReentrantSetting,
    Span,
    TrainingSetup,
)
from peft_lint.facts.values import Const, DictValue, Unknown, Value, truthy
from peft_lint.knowledge import torch as torch_knowledge
from peft_lint.knowledge import transformers as tf
from peft_lint.knowledge import trl as trl_knowledge
from peft_lint.knowledge.versions import version_at_least


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


def assemble_checkpointing(context: Context, trainer: TrainerObject | None,
                           args: TrainingArgs | Unknown | None, model: TrackedModel | None,
                           setup: TrainingSetup) -> Checkpointing:
    state = _GcState(Fact.derived(False, "nothing enables checkpointing"),
                     Fact.unknown("checkpointing is off"),
                     Fact.derived(False, "nothing enables input gradients"))
    if model is not None and _base_computed_at_run_time(model):
        # the model get_peft_model wraps is chosen at run time (one of several loads, a helper
        # peft-lint cannot read): what was done to it before is not known
        reason = "the base model is computed at run time; what was enabled on it is not known"
        state.enabled = Fact.unknown(reason, model.root().span)
        state.input_grads = Fact.unknown(reason, model.root().span)
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


def _base_computed_at_run_time(model: TrackedModel) -> bool:
    root = model.root()
    return root.kind == "peft" and root.base is None and not root.from_saved_adapter


def training_begins(facts: ScriptFacts, trainer: TrainerObject | None) -> int:
    """When training starts: `trainer.train()`, else the first backward() of a custom loop."""
    if trainer is not None:
        return trainer_training_start(trainer)
    return min(facts.backward_sequences, default=NEVER)


def trainer_training_start(trainer: TrainerObject | None) -> int:
    """Events after `trainer.train()` (saving, evaluating) do not change training."""
    if trainer is not None and trainer.trained_at is not None:
        return trainer.trained_at
    return NEVER


def _apply_model_event(context: Context, state: _GcState, event: Event, model: TrackedModel,
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


def _apply_kbit_prepare(context: Context, state: _GcState, event: Event, model: TrackedModel,
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


def _enable(context: Context, state: _GcState, options: Value | None, source: str, span: Span | None,
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


def resolve_use_reentrant(context: Context, options: Value | None, source: str,
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


def _torch_default(context: Context, span: Span | None, why: str) -> Fact[bool]:
    decided = torch_knowledge.empty_kwargs_mean_reentrant(context.version("torch"))
    if decided is None:
        return Fact.unknown(f"{why}, and the default of {context.label('torch')} was not checked", span)
    return Fact.default(True, f"{why}: torch's default, reentrant ({context.label('torch')})", span)


def _apply_trainer(context: Context, state: _GcState, trainer: TrainerObject,
                   args: TrainingArgs | Unknown | None, setup: TrainingSetup) -> None:
    enabled = bool_fact(argument_fact(context, trainer, args, "gradient_checkpointing",
                                      "activation_checkpointing"))
    if enabled.is_(False) or (enabled.known and enabled.value is None):
        return
    if not enabled.known:
        if not state.enabled.is_(True):
            state.enabled = Fact(None, False, enabled.origin)
        state.use_reentrant = Fact.unknown("the Trainer may re-enable checkpointing with other "
                                           "kwargs", enabled.span)
        return
    options_fact = argument_fact(context, trainer, args, "gradient_checkpointing_kwargs",
                        "activation_checkpointing_kwargs")
    options = fact_value(options_fact)
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


def _sets_use_reentrant(options: Value | None) -> bool:
    return (isinstance(options, DictValue) and ("use_reentrant" in options.entries or not options.complete)) \
        or isinstance(options, Unknown)


def kbit_calls(facts: ScriptFacts) -> list[KbitPrepareCall]:
    calls: list[KbitPrepareCall] = []
    for span, model, event in facts.kbit_calls:
        if model is None or event is None:
            calls.append(KbitPrepareCall(span, Fact.unknown("the model is computed at run time", span),
                                         Fact.unknown("the model is computed at run time", span)))
            continue
        wrapper = peft_wrapping(facts, model, event)
        on_peft: Fact[bool] = Fact.derived(True, "called on a PEFT model", wrapper.span) \
            if wrapper is not None else Fact.derived(False, "called before get_peft_model", span)
        calls.append(KbitPrepareCall(span, on_peft, model.root().quantized,
                                     wrapper.span if wrapper else None, model.root().span))
    return calls


def peft_wrapping(facts: ScriptFacts, model: TrackedModel, event: Event) -> TrackedModel | None:
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
