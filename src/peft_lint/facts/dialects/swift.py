"""ms-swift's command line read natively: `swift sft|pt|rlhf [config.yaml] --flag value ...`.

What is read, from ms-swift's source (modelscope/ms-swift 4.6 and 3.12; `swift/cli/main.py`,
`swift/arguments/`, `swift/trainers/mixin.py`, `swift/callbacks/adalora.py`):
- processes: NPROC_PER_NODE or NNODES set runs torchrun, else one process (`extract/launcher.py`);
- the tuner: `--tuner_type` (4.x; `--train_type` in 3.x), default `lora`; `full` trains the model;
- LoRA options: `--lora_rank` (8), `--lora_alpha` (32), `--lora_dropout` (0.05), `--use_dora`,
  `--use_rslora`; `--target_modules` as written unless it holds `all-linear`/`all-embedding`
  (swift expands those itself, from the model) or `--target_regex` replaces it;
- quantization: `--quant_method` with `--quant_bits` (bnb 4/8 is QLoRA);
- checkpointing: on unless `--gradient_checkpointing false`; swift then calls
  `enable_input_require_grads()`, and patches torch's checkpoint so that every call uses one
  `use_reentrant`: the one in `--gradient_checkpointing_kwargs`, else False under torchrun without
  DeepSpeed or FSDP and True otherwise; `--fsdp` presets may turn it off (unknown);
- DDP: swift never sets `ddp_find_unused_parameters`, so the Trainer's default for a PeftModel
  (True) holds for an adapter;
- AdaLoRA: swift's callback calls `update_and_allocate` from the PeftModel's `zero_grad`, which the
  Trainer calls only on an unwrapped model: in one process it runs, under DDP or DeepSpeed the
  Trainer calls the wrapper's `zero_grad` and the budget never moves.
A config file (`swift sft config.yaml` in 4.1+, `--config config.yaml` in 3.x) gives the same
keys; where it and a flag disagree the value is unknown (the releases merge them in opposite
orders, and the installed release is not known).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from peft_lint.extract.launcher import UNRESOLVED, LaunchCommand
from peft_lint.facts.context import Context, Options
from peft_lint.facts.distributed import assemble_distributed, framework_deepspeed
from peft_lint.facts.model import AllocationCall, Checkpointing, Fact, Span, TrainingSetup
from peft_lint.facts.model_identity import model_type_from_id
from peft_lint.facts.values import Const, DictValue, ListValue, plain
from peft_lint.knowledge.transformers import looks_prequantized

SWIFT = "ms-swift"
TUNERS_WITH_PEFT = frozenset({"lora", "adalora", "longlora", "vera", "boft", "fourierft", "bone",
                              "adapter", "llamapro", "reft", "ia3", "lora_llm"})
EXPANDED_BY_SWIFT = frozenset({"all-linear", "all-embedding", "all-norm"})
DEFAULTS: dict[str, object] = {"lora_rank": 8, "lora_alpha": 32, "lora_dropout": 0.05,
                               "use_dora": False, "use_rslora": False, "adalora_init_r": 12,
                               "adalora_target_r": 8, "adalora_tinit": 0, "adalora_tfinal": 0,
                               "adalora_deltaT": 1}
BOOLEAN_TEXT = {"true": True, "false": False, "True": True, "False": False}


@dataclass(frozen=True)
class Setting:
    value: object  # str, bool, number, list; None: not known
    span: Span | None
    known: bool = True


def assemble_swift(context: Context, command: LaunchCommand, options: Options) -> TrainingSetup:
    settings = swift_settings(context, command)
    setup = TrainingSetup(versions=context.versions)
    span = command.span
    setup.distributed = assemble_distributed(context, command, None, None, options)
    for key in ("deepspeed", "fsdp"):  # also from the config file, which the launcher line lacks
        if key in settings:
            setup.distributed.strategy = Fact.written(key, settings[key].span)
    setup.trainer.kind = Fact.written(SWIFT, span)
    setup.trainer.span = span
    setup.trains_here = Fact.derived(True, f"`{command.script}` trains", span)
    model = settings.get("model")
    if model is not None and model.known and isinstance(model.value, str):
        setup.model.model_type = model_type_from_id(Const(model.span, model.value))
    tuner = _fact(settings, "tuner_type", "lora") if "tuner_type" in settings else \
        _fact(settings, "train_type", "lora")
    peft = tuner.value != "full" if tuner.known else None
    setup.trainer.model_is_peft = Fact(peft, peft is not None, tuner.origin)
    if peft:
        setup.adapter.method = Fact(str(tuner.value), True, tuner.origin)
        setup.adapter.config_span = tuner.span or span
        setup.adapter.kwargs = _adapter_options(settings, str(tuner.value), span)
    setup.model.quantized = _quantized(settings, span)
    torchrun = "NPROC_PER_NODE" in command.environment or "NNODES" in command.environment
    setup.checkpointing = _checkpointing(settings, torchrun, span)
    setup.distributed.find_unused_parameters = _find_unused(settings, peft, span)
    static = settings.get("ddp_static_graph")
    setup.distributed.static_graph = Fact.written(bool(static.value), static.span) \
        if static is not None and static.known else Fact.default(False, f"{SWIFT} never sets it", span)
    deepspeed = settings.get("deepspeed")
    if deepspeed is not None and deepspeed.known and isinstance(deepspeed.value, str) \
            and deepspeed.value.endswith(".json"):
        setup.deepspeed = framework_deepspeed(context, Const(deepspeed.span, deepspeed.value), SWIFT)
    if setup.adapter.method.is_("adalora"):
        _adalora_allocation(setup, span)
    setup.notes.append(f"{command.span.path}:{command.span.line}: `{command.script}` read for its "
                       "processes, tuner and LoRA options, quantization, checkpointing and DDP "
                       "settings; ms-swift's other defaults are not modelled")
    return setup


def swift_settings(context: Context, command: LaunchCommand) -> dict[str, Setting]:
    """The arguments of the command line, over those of its config file."""
    words = [(argument.text, argument.span) for argument in command.script_args]
    config_name = None
    if words and words[0][0].endswith((".yaml", ".yml", ".json")):
        config_name = words[0][0]
        words = words[1:]
    flags = _flags(words)
    given = flags.pop("config", None)
    if given is not None and given.known and isinstance(given.value, str):
        config_name = given.value
    settings = _config_settings(context, config_name) if config_name else {}
    for key, setting in flags.items():
        earlier = settings.get(key)
        if earlier is not None and earlier.known and setting.known and earlier.value != setting.value:
            settings[key] = Setting(None, setting.span, known=False)  # merged in release order
        else:
            settings[key] = setting
    return settings


def _flags(words: list[tuple[str, Span]]) -> dict[str, Setting]:
    flags: dict[str, Setting] = {}
    index = 0
    while index < len(words):
        text, span = words[index]
        index += 1
        if not text.startswith("--"):
            continue
        key, has_value, inline = text[2:].partition("=")
        key = key.replace("-", "_")
        values: list[str] = [inline] if has_value else []
        while not has_value and index < len(words) and not words[index][0].startswith("--"):
            values.append(words[index][0])
            index += 1
        if key.startswith("no_") and not values:
            flags[key[3:]] = Setting(False, span)
        elif any(UNRESOLVED in value for value in values):
            flags[key] = Setting(None, span, known=False)
        elif not values:
            flags[key] = Setting(True, span)
        else:
            flags[key] = Setting(_scalar(values[0]) if len(values) == 1 else values, span)
    return flags


def _scalar(text: str) -> object:
    if text in BOOLEAN_TEXT:
        return BOOLEAN_TEXT[text]
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _config_settings(context: Context, name: str) -> dict[str, Setting]:
    found = [file for file in context.unit.configs() if file.absolute.name == Path(name).name]
    config = found[0].config if found else None
    if not isinstance(config, DictValue):
        context.notes.append(f"the {SWIFT} config `{name}` is not among the files of this run")
        return {}
    settings: dict[str, Setting] = {}
    for key, entry in config.entries.items():
        value = plain(entry)
        known = isinstance(entry, Const) or (isinstance(entry, ListValue | DictValue) and value is not None)
        settings[key] = Setting(value, config.key_spans.get(key, entry.span), known=known)
    if not config.complete:
        context.notes.append(f"the {SWIFT} config `{name}` is not read whole")
    return settings


def _fact(settings: dict[str, Setting], key: str, default: object) -> Fact[object]:
    setting = settings.get(key)
    if setting is None:
        return Fact.default(default, f"default of {SWIFT}")
    if not setting.known:
        return Fact.unknown(f"`{key}` is not known (a value computed at run time, or a config file "
                            "and a flag that disagree)", setting.span)
    return Fact.written(setting.value, setting.span)


def _adapter_options(settings: dict[str, Setting], tuner: str, span: Span) -> dict[str, Fact[object]]:
    keys = {"lora_alpha": "lora_alpha", "lora_dropout": "lora_dropout", "use_dora": "use_dora",
            "use_rslora": "use_rslora"}
    keys.update({"adalora_init_r": "init_r", "adalora_target_r": "target_r", "adalora_tinit": "tinit",
                 "adalora_tfinal": "tfinal", "adalora_deltaT": "deltaT"} if tuner == "adalora"
                else {"lora_rank": "r"})
    options = {keyword: _fact(settings, key, DEFAULTS[key]) for key, keyword in keys.items()}
    options["target_modules"] = _target_modules(settings, span)
    saved = settings.get("modules_to_save")
    if saved is not None:
        names = saved.value if isinstance(saved.value, list) else [saved.value]
        options["modules_to_save"] = Fact.written(names, saved.span) \
            if saved.known and not EXPANDED_BY_SWIFT & set(map(str, names)) else \
            Fact.unknown(f"{SWIFT} expands modules_to_save itself", saved.span)
    return options


def _target_modules(settings: dict[str, Setting], span: Span) -> Fact[object]:
    if "target_regex" in settings:
        return Fact.unknown("--target_regex replaces target_modules", settings["target_regex"].span)
    setting = settings.get("target_modules")
    if setting is None:
        return Fact.unknown(f"{SWIFT} expands its default `all-linear` from the model itself", span)
    names = setting.value if isinstance(setting.value, list) else [setting.value]
    if not setting.known or EXPANDED_BY_SWIFT & set(map(str, names)):
        return Fact.unknown(f"{SWIFT} expands `all-linear` / `all-embedding` from the model itself",
                            setting.span)
    return Fact.written([str(name) for name in names], setting.span)  # a list, matched by suffix


def _quantized(settings: dict[str, Setting], span: Span) -> Fact[bool]:
    method = settings.get("quant_method")
    if method is not None:
        return Fact.written(True, method.span) if method.known else \
            Fact.unknown("`quant_method` is not known", method.span)
    model = settings.get("model")
    if model is None or not model.known:
        return Fact.unknown("the model is not known", span)
    if isinstance(model.value, str) and looks_prequantized(model.value):
        return Fact.unknown(f"`{model.value}` may be a checkpoint saved quantized", model.span)
    return Fact.derived(False, "no --quant_method", span)


def _checkpointing(settings: dict[str, Setting], torchrun: bool, span: Span) -> Checkpointing:
    checkpointing = Checkpointing()
    enabled = _fact(settings, "gradient_checkpointing", True)
    if "fsdp" in settings:
        enabled = Fact.unknown(f"{SWIFT}'s FSDP presets may hand checkpointing to FSDP",
                               settings["fsdp"].span)
    checkpointing.enabled = Fact(bool(enabled.value) if enabled.known else None, enabled.known,
                                 enabled.origin)
    if not enabled.known or not enabled.value:
        why = "checkpointing is off" if enabled.known else enabled.origin.detail
        checkpointing.use_reentrant = Fact.unknown(why)
        checkpointing.input_grads = Fact.unknown("checkpointing is not known to be on")
        return checkpointing
    checkpointing.use_reentrant = _use_reentrant(settings, torchrun, span)
    checkpointing.input_grads = Fact.derived(True, f"{SWIFT} calls enable_input_require_grads() when "
                                             "checkpointing is on", enabled.span or span)
    return checkpointing


def _use_reentrant(settings: dict[str, Setting], torchrun: bool, span: Span) -> Fact[bool]:
    given = settings.get("gradient_checkpointing_kwargs")
    if given is not None:
        kwargs = given.value
        if given.known and isinstance(kwargs, str):
            try:
                kwargs = json.loads(kwargs)
            except ValueError:
                kwargs = None
        if not (given.known and isinstance(kwargs, dict)):
            return Fact.unknown("gradient_checkpointing_kwargs is not known", given.span)
        if "use_reentrant" in kwargs:
            return Fact.written(bool(kwargs["use_reentrant"]), given.span)
    sharded = "deepspeed" in settings or "fsdp" in settings
    if torchrun and not sharded:
        return Fact.derived(False, f"{SWIFT} forces use_reentrant=False under torchrun without "
                                   "DeepSpeed or FSDP", span)
    return Fact.derived(True, f"{SWIFT} forces use_reentrant=True in one process, or with DeepSpeed "
                              "or FSDP", span)


def _find_unused(settings: dict[str, Setting], peft: bool | None, span: Span) -> Fact[bool]:
    given = settings.get("ddp_find_unused_parameters")
    if given is not None:
        return Fact.written(bool(given.value), given.span) if given.known else \
            Fact.unknown("ddp_find_unused_parameters is not known", given.span)
    if peft:
        return Fact.default(True, f"the Trainer's default for a PeftModel ({SWIFT} never sets it)", span)
    return Fact.unknown("full fine-tuning: the Trainer decides it from the model", span)


def _adalora_allocation(setup: TrainingSetup, span: Span) -> None:
    strategy = setup.distributed.strategy
    world = setup.distributed.world_size
    if world.is_(1) and strategy.is_("none"):
        setup.allocation_elsewhere = Fact.derived(
            True, f"{SWIFT}'s AdaLoRA callback calls update_and_allocate from the model's zero_grad", span)
    elif strategy.value in ("ddp", "deepspeed") and strategy.known:
        setup.allocation_elsewhere = Fact.derived(False, f"{SWIFT}'s AdaLoRA callback", span)
        setup.allocation_calls = [AllocationCall(
            span, "callback:zero_grad",
            never_runs=f"{SWIFT}'s AdaLoRA callback patches the PeftModel's zero_grad, but under "
                       f"{strategy.value.upper() if strategy.value == 'ddp' else 'DeepSpeed'} the "
                       "Trainer calls the wrapper's zero_grad")]
