"""The DeepSpeed settings a run trains with, as a typed model (pydantic) for the rules.

Two shapes reach a run: a DeepSpeed JSON (or the dict given as `deepspeed=`), and the
`deepspeed_config` section of an accelerate config without a JSON file. Both become one
`DeepSpeedConfig`, each setting with its state ("absent", "unknown" for a value computed at
run time, "auto" for the value transformers fills in, "set"), its value and where it is
written. Rules read these fields; none of them walks parse values.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from peft_lint.facts.model import Span
from peft_lint.facts.values import Const, DictValue, ListValue, Value

Scalar = int | float | bool | str | None


class Setting(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    path: str  # as written in the config (`optimizer.params.lr`)
    state: Literal["absent", "unknown", "auto", "set"] = "absent"
    value: Scalar | list[Scalar] = None
    span: Span | None = None

    @property
    def is_set(self) -> bool:
        return self.state == "set"


class DeepSpeedConfig(BaseModel):
    """What the rules read of a DeepSpeed config: the settings transformers matches against the
    training arguments (`HfTrainerDeepSpeedConfig.trainer_config_process`) and the ZeRO-3 save."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    shape: Literal["deepspeed", "accelerate"]
    train_micro_batch_size_per_gpu: Setting
    gradient_accumulation_steps: Setting
    gradient_clipping: Setting
    optimizer_lr: Setting
    optimizer_betas: Setting
    optimizer_eps: Setting
    optimizer_weight_decay: Setting
    scheduler_warmup_max_lr: Setting
    fp16_enabled: Setting
    bf16_enabled: Setting
    # stage3_gather_16bit_weights_on_model_save (JSON) / zero3_save_16bit_model (accelerate)
    gather_16bit_weights_on_save: Setting
    # ZeRO-3 leaf modules (their parameters gathered together whatever the forward runs):
    # zero_optimization.leaf_module (DeepSpeed 0.18+) and the size threshold that marks leaves
    leaf_module_classes: Setting
    leaf_module_names: Setting
    leaf_module_name_suffixes: Setting
    module_granularity_threshold: Setting


# field -> where each shape writes it (None: that shape has no such setting)
_PATHS: dict[str, tuple[str, str | None]] = {
    "train_micro_batch_size_per_gpu": ("train_micro_batch_size_per_gpu", None),
    "gradient_accumulation_steps": ("gradient_accumulation_steps", "gradient_accumulation_steps"),
    "gradient_clipping": ("gradient_clipping", "gradient_clipping"),
    "optimizer_lr": ("optimizer.params.lr", None),
    "optimizer_betas": ("optimizer.params.betas", None),
    "optimizer_eps": ("optimizer.params.eps", None),
    "optimizer_weight_decay": ("optimizer.params.weight_decay", None),
    "scheduler_warmup_max_lr": ("scheduler.params.warmup_max_lr", None),
    "fp16_enabled": ("fp16.enabled", None),
    "bf16_enabled": ("bf16.enabled", None),
    "gather_16bit_weights_on_save": ("zero_optimization.stage3_gather_16bit_weights_on_model_save",
                                     "zero3_save_16bit_model"),
    "leaf_module_classes": ("zero_optimization.leaf_module.classes", None),
    "leaf_module_names": ("zero_optimization.leaf_module.names", None),
    "leaf_module_name_suffixes": ("zero_optimization.leaf_module.name_suffixes", None),
    "module_granularity_threshold": ("zero_optimization.stage3_module_granularity_threshold", None),
}


def typed_deepspeed_config(config: DictValue, shape: Literal["deepspeed", "accelerate"]) -> DeepSpeedConfig:
    """The typed settings of a DeepSpeed JSON (or `deepspeed=` dict), or of an accelerate
    config's `deepspeed_config` section."""
    column = 1 if shape == "accelerate" else 0
    settings = {field: _setting(config, paths[column]) for field, paths in _PATHS.items()}
    return DeepSpeedConfig(shape=shape, **settings)


def _setting(config: DictValue, path: str | None) -> Setting:
    if path is None:
        return Setting(path="")
    node: Value | None = config
    for part in path.split("."):
        if not isinstance(node, DictValue):
            return Setting(path=path)
        if part not in node.entries:
            return Setting(path=path, state="unknown" if not node.complete else "absent")
        node = node.entries[part]
    value = _plain(node)
    if value is _UNKNOWN:
        return Setting(path=path, state="unknown", span=getattr(node, "span", None))
    return Setting(path=path, state="auto" if value == "auto" else "set", value=value,  # type: ignore[arg-type]
                   span=getattr(node, "span", None))


_UNKNOWN = object()


def _plain(node: Value | None) -> object:
    if isinstance(node, Const) and isinstance(node.value, int | float | bool | str | None):
        return node.value
    if isinstance(node, ListValue) and node.complete:
        items = [_plain(item) for item in node.items]
        return _UNKNOWN if any(item is _UNKNOWN for item in items) else items
    return _UNKNOWN
