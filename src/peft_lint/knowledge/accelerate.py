"""accelerate facts used by the rules (read from the 1.15.0 wheel)."""

from __future__ import annotations

PACKAGE = "accelerate"
KNOWN_VERSIONS = [
    "0.20.3", "0.21.0", "0.22.0", "0.23.0", "0.24.1", "0.25.0", "0.26.1", "0.27.2", "0.28.0",
    "0.29.3", "0.30.1", "0.31.0", "0.32.1", "0.33.0", "0.34.2", "1.0.1", "1.1.1", "1.2.1", "1.3.0",
    "1.4.0", "1.5.2", "1.6.0", "1.7.0", "1.8.1", "1.9.0", "1.10.1", "1.11.0", "1.12.0", "1.13.0",
    "1.14.0", "1.15.0",
]

ACCELERATOR = "accelerate.Accelerator"
DDP_KWARGS = frozenset({"accelerate.DistributedDataParallelKwargs",
                        "accelerate.utils.DistributedDataParallelKwargs"})
# DistributedDataParallelKwargs(find_unused_parameters=False) is the default, as
# in torch's DistributedDataParallel.
FIND_UNUSED_DEFAULT = False
# accelerate config `distributed_type` values and what they mean for a run.
STRATEGY_BY_DISTRIBUTED_TYPE = {
    "MULTI_GPU": "ddp", "MULTI_CPU": "ddp", "MULTI_XPU": "ddp", "MULTI_NPU": "ddp",
    "MULTI_MLU": "ddp", "MULTI_SDAA": "ddp", "MULTI_MUSA": "ddp", "MULTI_HPU": "ddp",
    "DEEPSPEED": "deepspeed", "FSDP": "fsdp", "NO": "none", "XLA": "xla", "TPU": "xla",
    "MEGATRON_LM": "megatron",
}


# Accelerator methods whose hook runs only inside `accelerator.load_state()`, i.e. when a run
# resumes (accelerator.py `register_load_state_pre_hook`); what the hook loads is not what a
# fresh run trains.
RESUME_HOOK_REGISTRATIONS = frozenset({"register_load_state_pre_hook"})

# Functions that place a model on its devices and return it, changing nothing that trains
# (accelerate big_modeling.py `dispatch_model`, `cpu_offload`).
MODEL_PLACEMENT = frozenset({"accelerate.dispatch_model", "accelerate.big_modeling.dispatch_model",
                             "accelerate.cpu_offload", "accelerate.big_modeling.cpu_offload"})

# `accelerate launch --config_file` reads the config into ClusterConfig, whose __post_init__
# converts compute_environment and distributed_type to their enums (every release 0.20-1.15):
# a value outside them stops the launch before any process starts (reproduced on 1.15.0).
CONFIG_ENUM_FIELDS = frozenset({"compute_environment", "distributed_type"})
CONFIG_ENUM_ERROR = "ValueError: {value_repr} is not a valid {enum}"
# the launch then checks mixed_precision (lower-cased) against PrecisionType for these
# distributed types (reproduced on 1.15.0; the DeepSpeed launch was not, and is not judged)
MIXED_PRECISION_ERROR = "ValueError: Unknown mixed_precision mode: {value}"
MIXED_PRECISION_CHECKED_FOR = frozenset({"NO", "MULTI_CPU", "MULTI_GPU", "FSDP"})


# -- generated: data/behaviours-accelerate.json (`scripts/gen_knowledge.py --behaviours`, read
#    from accelerate/utils/fsdp_utils.py of every release 0.20-1.15)

# the exclusion passes fully_shard's ignored_params, which torch has from 2.7
FSDP2_IGNORED_PARAMS_TORCH = "2.7.0"


def fsdp2_excludes_integer_params4bit(version: str) -> bool | None:
    """Whether the release's FSDP2 preparation leaves 4-bit weights stored as integers out of
    sharding (huggingface/accelerate#3987, first in 1.14.0) instead of letting fully_shard crash or
    corrupt their quant_state; None for a release not recorded."""
    from peft_lint.knowledge.behaviours import behaviour

    found = behaviour("accelerate", "fsdp2_excludes_integer_params4bit", version)
    return found if isinstance(found, bool) else None
