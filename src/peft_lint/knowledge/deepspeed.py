"""DeepSpeed: versions known to peft-lint, and how it validates a config's sections.

DeepSpeed builds a pydantic model for some sections of its JSON config (`DeepSpeedConfig` in
`deepspeed/runtime/config.py`, called by `deepspeed.initialize` and, under ZeRO-3, by
`deepspeed.zero.Init` when transformers loads the model): `zero_optimization` is
`DeepSpeedZeroConfig(**section)` in every release peft-lint knows, `bf16` / `fp16` are
`DeepSpeedBF16Config` / `DeepSpeedFP16Config` from 0.17.1. Their base `DeepSpeedConfigModel`
forbids unknown keys (`extra="forbid"`), drops a key whose value is "auto" before validating
(transformers fills those in), and its fields carry Enum choices and numeric bounds. The
fields, aliases, choices and bounds of each release are generated data (data/deepspeed-*.json,
scripts/gen_knowledge.py, read from the source archives).
"""

from __future__ import annotations

from peft_lint.knowledge.behaviours import behaviour

PACKAGE = "deepspeed"
KNOWN_VERSIONS = ["0.14.5", "0.15.4", "0.16.9", "0.17.6", "0.18.3", "0.19.8"]

# top-level key of a DeepSpeed JSON -> the model DeepSpeed validates it with
# (runtime/config.py: get_zero_config, get_bfloat16_config / BFLOAT16_OLD, get_float16_config)
SECTIONS = {
    "zero_optimization": "deepspeed.DeepSpeedZeroConfig",
    "bf16": "deepspeed.DeepSpeedBF16Config",
    "bfloat16": "deepspeed.DeepSpeedBF16Config",
    "fp16": "deepspeed.DeepSpeedFP16Config",
}
# a section read only when another is absent (precision_config.py: bf16, else bfloat16)
READ_UNLESS = {"bfloat16": "bf16"}
# a value DeepSpeedConfigModel drops before validating (non-strict mode, every release)
DROPPED_VALUE = "auto"
EXTRA_FORBIDDEN = "Extra inputs are not permitted"
EXTRA_FORBIDDEN_V1 = "extra fields not permitted"  # a model on pydantic's v1 API (before 0.15)


def validation_error(model: str, location: str, message: str, v1: bool = False) -> str:
    """pydantic's ValidationError for one field, on one line: its first line, the field's
    location (v1 writes `offload_optimizer -> device`) and pydantic's message."""
    where = location.replace(".", " -> ") if v1 else location
    return f'"ValidationError: 1 validation error for {model}" at `{where}`: "{message}"'


def zero3_recompute_keeps_frozen_params(version: str) -> bool | None:
    """Whether ZeRO-3 keeps a frozen parameter gathered through a non-reentrant checkpoint's
    recompute (deepspeedai/DeepSpeed#8148, first in 0.19.3; generated per release from the
    source archives: behaviours-deepspeed.json). Before it, the recompute sees the parameter
    re-partitioned (shape [0]) and torch raises CheckpointError. None: a release not recorded."""
    found = behaviour("deepspeed", "zero3_checkpoint_recompute_keeps_frozen_params", version)
    return found if isinstance(found, bool) else None


# the calls that mark ZeRO-3 leaf modules from Python (deepspeed.utils, deepspeedai/DeepSpeed#4966)
LEAF_MODULE_CALLS = frozenset({"set_z3_leaf_modules", "set_z3_leaf_module"})


def zero3_leaf_modules(version: str) -> dict[str, object] | None:
    """How a release lets ZeRO-3 treat a module as a leaf (generated from each source archive:
    behaviours-deepspeed.json): {"config": whether `zero_optimization.leaf_module` exists (0.18.0+,
    deepspeedai/DeepSpeed#7604), "default_classes": the module paths it marks without being
    asked, "granularity_threshold": whether `stage3_module_granularity_threshold` exists}. None:
    a release not recorded."""
    found = behaviour("deepspeed", "zero3_leaf_modules", version)
    return found if isinstance(found, dict) else None


MIXED_DTYPE_GATHER_ERROR = "TypeError: output tensor must have the same type as input tensor"


def zero3_mixed_dtype_gather_fails(version: str) -> bool | None:
    """Whether the release's ZeRO-3 fails to all-gather persistent parameters of different dtypes
    (fp32 LoRA adapters beside a bf16 base) after the first optimizer step: 0.19.2, where
    deepspeedai/DeepSpeed#8066 stopped casting the module to bf16 while the coalesced gather still
    sized every buffer with the first parameter's dtype (fixed by #8073). Generated per release
    from the source archives (behaviours-deepspeed.json); None: a release not recorded."""
    found = behaviour("deepspeed", "zero3_mixed_dtype_persistent_gather_fails", version)
    return found if isinstance(found, bool) else None
