"""LLaMA-Factory YAML read natively (hiyouga/LlamaFactory `hparams/`,
`model/model_utils/checkpointing.py`): `finetuning_type` defaults to `lora`; checkpointing is on
unless `disable_gradient_checkpointing: true`, reentrant unless `use_reentrant_gc: false`, and
its own checkpointing patch makes the first floating input require grad; for LoRA under DDP it
sets `ddp_find_unused_parameters=False` when unset; `lora_target: all` is every linear layer.
"""

from __future__ import annotations

from peft_lint.facts.context import Context, Options
from peft_lint.facts.dialects.common import _fact
from peft_lint.facts.distributed import assemble_distributed, framework_deepspeed
from peft_lint.facts.model import AdapterSpec, Fact, ReentrantSetting, Span, TrainingSetup
from peft_lint.facts.model_identity import model_type_from_id
from peft_lint.facts.values import Const, DictValue, Value
from peft_lint.inputs.files import SourceFile

FRAMEWORK = "LLaMA-Factory"


def assemble_llamafactory(context: Context, file: SourceFile, options: Options) -> TrainingSetup:

    config = file.config
    assert isinstance(config, DictValue)
    setup = TrainingSetup(versions=context.versions)
    span = config.span or Span(file.path, 1)
    command = next((c for launcher in context.unit.of_kind("shell") for c in launcher.launches
                    if c.launcher == "llamafactory" and c.script.endswith(file.absolute.name)), None)
    setup.distributed = assemble_distributed(context, command, None, None, options)
    deepspeed = config.entries.get("deepspeed")
    if deepspeed is not None:
        setup.distributed.strategy = Fact.written("deepspeed", deepspeed.span)
        setup.deepspeed = framework_deepspeed(context, deepspeed, FRAMEWORK)
    setup.trainer.kind = Fact.written(FRAMEWORK, span)
    setup.trainer.span = span
    setup.trains_here = Fact.derived(True, f"{FRAMEWORK} trains with this config", span)
    setup.model.model_type = model_type_from_id(config.entries.get("model_name_or_path"))
    quantization = config.entries.get("quantization_bit")
    setup.model.quantized = Fact.written(True, quantization.span) if quantization is not None \
        else Fact.default(False, f"{FRAMEWORK}: no quantization_bit", span)
    method = _fact(config, "finetuning_type", "lora", f"default of {FRAMEWORK}")
    setup.adapter = _adapter(config, method)
    # lora and oft train PEFT adapters; freeze (some layers) and full train the model itself
    peft = method.value in PEFT_FINETUNING_TYPES if method.value in FINETUNING_TYPES else None
    setup.trainer.model_is_peft = Fact(peft, method.known and peft is not None, method.origin) \
        if peft is not None else Fact.unknown(f"finetuning_type {method.value!r} is not known", method.span)
    if quantization is not None and peft is False:
        # its argument parser refuses this itself ("Quantization is only compatible with the
        # LoRA or OFT method."), before any model is loaded
        setup.model.quantized = Fact.unknown(f"{FRAMEWORK} refuses quantization_bit with "
                                             f"finetuning_type {method.value}", quantization.span)
    disabled = _fact(config, "disable_gradient_checkpointing", False, f"default of {FRAMEWORK}")
    if disabled.known:
        setup.checkpointing.enabled = Fact(not disabled.value, True, disabled.origin)
    reentrant = _fact(config, "use_reentrant_gc", True, f"default of {FRAMEWORK} (use_reentrant_gc)")
    setup.checkpointing.use_reentrant = Fact(bool(reentrant.value) if reentrant.known else None,
                                             reentrant.known, reentrant.origin)
    if reentrant.origin.kind == "default":
        setup.checkpointing.reentrant_setting = ReentrantSetting("yaml-end", span, "use_reentrant_gc: false")
    setup.checkpointing.input_grads = Fact.default(
        True, f"{FRAMEWORK}'s checkpointing patch makes the first input require grad", span)
    setup.distributed.find_unused_parameters = _find_unused(config, method, span)
    setup.distributed.static_graph = Fact.default(False, f"default of {FRAMEWORK}", span)
    return setup


# LLaMA-Factory's `finetuning_type` (hparams/finetuning_args.py, Literal of these)
FINETUNING_TYPES = frozenset({"lora", "oft", "freeze", "full"})
PEFT_FINETUNING_TYPES = frozenset({"lora", "oft"})


def _adapter(config: DictValue, method: Fact[object]) -> AdapterSpec:
    adapter = AdapterSpec()
    adapter.method = Fact(str(method.value) if method.known else None, method.known, method.origin)
    target = config.entries.get("lora_target") or config.entries.get("finetuning_type")
    adapter.config_span = target.span if target is not None else config.span
    lora_target = config.entries.get("lora_target")
    if isinstance(lora_target, Const) and isinstance(lora_target.value, str):
        names = [name.strip() for name in lora_target.value.split(",") if name.strip()]
        value: object = "all-linear" if names == ["all"] else names
        adapter.kwargs["target_modules"] = Fact.written(value, lora_target.span)
    for key, target_key in (("additional_target", "modules_to_save"),):
        entry: Value | None = config.entries.get(key)
        if isinstance(entry, Const) and isinstance(entry.value, str):
            adapter.kwargs[target_key] = Fact.written(entry.value.split(","), entry.span)
    return adapter


def _find_unused(config: DictValue, method: Fact[object], span: Span) -> Fact[bool]:
    entry = config.entries.get("ddp_find_unused_parameters")
    if isinstance(entry, Const) and isinstance(entry.value, bool):
        return Fact.written(entry.value, entry.span)
    if entry is None and method.is_("lora"):
        return Fact.derived(False, f"{FRAMEWORK} sets ddp_find_unused_parameters=False for LoRA "
                                   "when it is unset", method.span or span)
    return Fact.unknown("ddp_find_unused_parameters is not known", span)
