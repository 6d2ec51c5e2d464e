"""torch facts used by the rules.

Read from torch 2.14.1 `torch/utils/checkpoint.py` (`_checkpoint_impl`): a call of
`torch.utils.checkpoint.checkpoint` without `use_reentrant` warns and uses the
reentrant variant. The docstring's promise that 2.9 would raise never happened.
"""

from __future__ import annotations

from peft_lint.knowledge.versions import version_at_least

PACKAGE = "torch"
KNOWN_VERSIONS = ["2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "2.7.0", "2.8.0",
                  "2.9.0", "2.10.0", "2.11.0", "2.12.0", "2.13.0", "2.14.1"]
# Newest version whose checkpoint default was read; later versions are Unknown.
DEFAULT_READ_THROUGH = "2.14.1"


def empty_kwargs_mean_reentrant(version: str) -> bool | None:
    """What `checkpoint(..., **{})` does: reentrant (True), or None if not known."""
    if version_at_least(DEFAULT_READ_THROUGH, version):
        return True
    return None


# The variables torchrun (`torch/distributed/run.py`, and the launchers built on it: accelerate
# launch, the deepspeed launcher) sets in every process it starts, whatever the shell exported.
# WORLD_SIZE is the process count; the others differ from process to process.
LAUNCHER_VARIABLES = frozenset({"WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK",
                                "ROLE_RANK", "ROLE_WORLD_SIZE", "NODE_RANK", "MASTER_ADDR",
                                "MASTER_PORT"})
DISTRIBUTED_LAUNCHERS = frozenset({"torchrun", "accelerate", "deepspeed", "trl"})

# torch.nn.Dropout's check of p (every torch 2.x); PEFT builds one for lora_dropout > 0
DROPOUT_RANGE_ERROR = "ValueError: dropout probability has to be between 0 and 1, but got {value}"

# The dtypes torch names (`getattr(torch, name)` is a torch.dtype), read from torch 2.13.0; a
# name a later release adds is missing here, which only leaves a value unjudged.
DTYPE_NAMES = frozenset({
    "bfloat16", "bit", "bits16", "bits1x8", "bits2x4", "bits4x2", "bits8", "bool", "cdouble", "cfloat",
    "chalf", "complex128", "complex32", "complex64", "double", "float", "float16", "float32",
    "float4_e2m1fn_x2", "float64", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
    "float8_e8m0fnu", "half", "int", "int1", "int16", "int2", "int3", "int32", "int4", "int5", "int6",
    "int64", "int7", "int8", "long", "qint32", "qint8", "quint2x4", "quint4x2", "quint8", "short",
    "uint1", "uint16", "uint2", "uint3", "uint32", "uint4", "uint5", "uint6", "uint64", "uint7", "uint8"})
