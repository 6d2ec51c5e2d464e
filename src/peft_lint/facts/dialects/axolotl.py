"""axolotl YAML read natively (see `assemble_axolotl`)."""

from __future__ import annotations

from peft_lint.facts.context import Context, Options
from peft_lint.facts.distributed import assemble_distributed, framework_deepspeed
from peft_lint.facts.model import Checkpointing, Fact, Span, TrainingSetup
from peft_lint.facts.model_identity import model_type_from_id
from peft_lint.facts.values import Const, DictValue
from peft_lint.inputs.files import SourceFile
from peft_lint.knowledge.transformers import looks_prequantized

AXOLOTL = "axolotl"


def assemble_axolotl(context: Context, file: SourceFile, options: Options) -> TrainingSetup:
    """An axolotl YAML, read conservatively.

    Verified against axolotl's source (`src/axolotl/utils/config/__init__.py`
    `normalize_config`, commit 00ce888): with `gradient_checkpointing` on, no
    `gradient_checkpointing_kwargs`, no `unfrozen_parameters` and no `rl`, axolotl sets
    `use_reentrant: True`. Its adapter loader (`load_adapter`, in `src/axolotl/utils/models.py`
    at commit 0009f50 and `src/axolotl/loaders/adapter.py` at b78dab1) calls
    `model.enable_input_require_grads()` whenever `adapter` is set; with `rl` (DPO, KTO ...)
    axolotl may hand only the LoRA config to TRL, so input gradients stay Unknown there.
    """

    config = file.config
    assert isinstance(config, DictValue)
    setup = TrainingSetup(versions=context.versions)
    span = config.span or Span(file.path, 1)
    command = next((c for launcher in context.unit.of_kind("shell") for c in launcher.launches
                    if c.script.endswith(file.absolute.name)
                    or any(a.text.endswith(file.absolute.name) for a in c.script_args)), None)
    setup.distributed = assemble_distributed(context, command, None, None, options)
    for key in ("deepspeed", "fsdp", "fsdp_config"):
        if config.entries.get(key) is not None:
            setup.distributed.strategy = Fact.written(key.removesuffix("_config"), config.entries[key].span)
    setup.deepspeed = framework_deepspeed(context, config.entries.get("deepspeed"), AXOLOTL)
    setup.trainer.kind = Fact.written(AXOLOTL, span)
    setup.trainer.span = span
    setup.trains_here = Fact.derived(True, f"{AXOLOTL} trains with this config", span)
    setup.model.model_type = model_type_from_id(config.entries.get("base_model"))
    adapter = config.entries.get("adapter")
    setup.model.quantized = _axolotl_quantized(config, span)
    if isinstance(adapter, Const) and adapter.value in ("lora", "qlora"):
        setup.trainer.model_is_peft = Fact.written(True, adapter.span)
        setup.adapter.method = Fact.written("lora", adapter.span)
        setup.adapter.config_span = adapter.span
        setup.adapter.kwargs = _axolotl_targets(config) | _axolotl_lora_options(config)
    setup.checkpointing = _axolotl_checkpointing(config, span)
    if isinstance(adapter, Const) and adapter.value and "rl" not in config.entries:
        setup.checkpointing.input_grads = Fact.default(
            True, f"{AXOLOTL}'s adapter loader calls enable_input_require_grads()", adapter.span)
    find_unused = config.entries.get("ddp_find_unused_parameters")
    if isinstance(find_unused, Const) and isinstance(find_unused.value, bool):
        setup.distributed.find_unused_parameters = Fact.written(find_unused.value, find_unused.span)
    else:
        setup.distributed.find_unused_parameters = Fact.unknown(f"{AXOLOTL} decides it at start-up", span)
    setup.notes.append(f"{file.path}: axolotl config read for its adapter and LoRA options, "
                       "quantization, checkpointing, DeepSpeed/FSDP and launch; its other defaults "
                       "are not modelled")
    return setup


# axolotl keys -> LoraConfig keywords (axolotl `loaders/adapter.py` load_lora)
AXOLOTL_LORA_OPTIONS = {"lora_r": "r", "lora_alpha": "lora_alpha", "lora_dropout": "lora_dropout",
                        "lora_modules_to_save": "modules_to_save", "peft_use_dora": "use_dora",
                        "peft_use_rslora": "use_rslora", "peft_ensure_weight_tying": "ensure_weight_tying"}


def _axolotl_lora_options(config: DictValue) -> dict[str, Fact[object]]:
    from peft_lint.facts.values import plain

    options: dict[str, Fact[object]] = {}
    for key, keyword in AXOLOTL_LORA_OPTIONS.items():
        entry = config.entries.get(key)
        if entry is not None:
            value = plain(entry)
            options[keyword] = Fact.written(value, entry.span) if value is not None or \
                isinstance(entry, Const) else Fact.unknown(f"`{key}` is not a plain value", entry.span)
    return options


def _axolotl_quantized(config: DictValue, span: Span) -> Fact[bool]:
    """`load_in_4bit` / `load_in_8bit` (qlora requires load_in_4bit: axolotl's validation) or a
    GPTQ checkpoint (`gptq: true`); none of them: the base loads unquantized."""
    for key in ("load_in_4bit", "load_in_8bit", "gptq"):
        entry = config.entries.get(key)
        if entry is None:
            continue
        if not isinstance(entry, Const):
            return Fact.unknown(f"`{key}` is not a plain value", entry.span)
        if entry.value is True:
            return Fact.written(True, entry.span)
    adapter = config.entries.get("adapter")
    if isinstance(adapter, Const) and adapter.value == "qlora":
        return Fact.written(True, adapter.span)
    base = config.entries.get("base_model")
    if isinstance(base, Const) and isinstance(base.value, str) and looks_prequantized(base.value):
        return Fact.unknown(f"`{base.value}` may be a checkpoint saved quantized", base.span)
    return Fact.default(False, f"{AXOLOTL}: no load_in_4bit, load_in_8bit or gptq", span)


def _axolotl_targets(config: DictValue) -> dict[str, Fact[object]]:
    kwargs: dict[str, Fact[object]] = {}
    linear = config.entries.get("lora_target_linear")
    targets = config.entries.get("lora_target_modules")
    if isinstance(linear, Const) and linear.value is True:
        kwargs["target_modules"] = Fact.written("all-linear", linear.span)
    elif targets is not None:
        from peft_lint.facts.values import plain

        value = plain(targets)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            kwargs["target_modules"] = Fact.written(value, targets.span)
    return kwargs


def _axolotl_checkpointing(config: DictValue, span: Span) -> Checkpointing:
    gc = config.entries.get("gradient_checkpointing")
    checkpointing = Checkpointing()
    checkpointing.input_grads = Fact.unknown(f"{AXOLOTL} adds the input-gradient hook only when it loads "
                                             "the adapter itself", span)
    if not isinstance(gc, Const):
        checkpointing.enabled = Fact.default(False, f"default of {AXOLOTL}", span) if gc is None else \
            Fact.unknown("gradient_checkpointing is not a plain value", gc.span)
        return checkpointing
    checkpointing.enabled = Fact.written(bool(gc.value), gc.span)
    options = config.entries.get("gradient_checkpointing_kwargs")
    if isinstance(options, DictValue) and isinstance(options.entries.get("use_reentrant"), Const):
        entry = options.entries["use_reentrant"]
        assert isinstance(entry, Const)
        checkpointing.use_reentrant = Fact.written(bool(entry.value), entry.span)
    elif options is None and "unfrozen_parameters" not in config.entries and "rl" not in config.entries:
        checkpointing.use_reentrant = Fact.default(
            True, f"{AXOLOTL} sets use_reentrant: true when checkpointing has no kwargs", gc.span)
    return checkpointing
