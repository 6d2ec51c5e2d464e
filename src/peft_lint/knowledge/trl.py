"""trl facts used by the rules (read from the wheels named beside each fact)."""

from __future__ import annotations

from dataclasses import dataclass

from peft_lint.knowledge.behaviours import behaviour
from peft_lint.knowledge.versions import version_at_least

PACKAGE = "trl"
KNOWN_VERSIONS = [
    "0.7.11", "0.8.6", "0.9.6", "0.10.1", "0.11.4", "0.12.2", "0.13.0", "0.14.0", "0.15.2",
    "0.16.1", "0.17.0", "0.18.2", "0.19.1", "0.20.0", "0.21.0", "0.22.2", "0.23.1", "0.24.0",
    "0.25.1", "0.26.0", "0.26.2", "0.27.0", "0.27.2", "0.28.0", "0.29.0", "0.29.1", "1.0.0",
    "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.1", "1.6.0", "1.7.1", "1.8.0", "1.9.2", "1.10.0",
    "1.11.0", "1.12.0", "1.13.0", "1.14.2", "1.15.0", "1.16.0",
]

# PR #3510: gradient_checkpointing=True by default in all TRL configs.
GC_DEFAULT_ON_SINCE = "0.22.0"
# SFTTrainer.__init__: on transformers < 5 it does
# `args.gradient_checkpointing_kwargs.setdefault("use_reentrant", False)`
# (present in the 0.28.0, 0.29.0, 1.0.0, 1.8.0, 1.16.0 wheels; absent in 0.27.0).
NON_REENTRANT_SETDEFAULT_SINCE = "0.28.0"
# SFTTrainer enables input grads for a PEFT model with checkpointing on
# (0.24.0 utils.enable_gradient_checkpointing when reentrant; 0.26-1.16 always).
INPUT_GRADS_VERIFIED_SINCE = "0.24.0"

CONFIG_CLASSES = frozenset({"trl.SFTConfig", "trl.DPOConfig", "trl.ORPOConfig",
                            "trl.KTOConfig", "trl.GRPOConfig", "trl.RewardConfig",
                            "trl.CPOConfig"})
TRAINER_CLASSES = frozenset({"trl.SFTTrainer", "trl.DPOTrainer", "trl.ORPOTrainer",
                             "trl.KTOTrainer", "trl.GRPOTrainer", "trl.RewardTrainer",
                             "trl.CPOTrainer"})


def gc_on_by_default(version: str) -> bool:
    return version_at_least(version, GC_DEFAULT_ON_SINCE)


def sets_non_reentrant_default(version: str) -> bool:
    return version_at_least(version, NON_REENTRANT_SETDEFAULT_SINCE)


def enables_input_grads(version: str) -> bool | None:
    return True if version_at_least(version, INPUT_GRADS_VERIFIED_SINCE) else None


def config_default(key: str, version: str) -> object | None:
    """SFTConfig (and the other TRL configs) defaults that differ from TrainingArguments."""
    if key in ("gradient_checkpointing", "activation_checkpointing"):
        return gc_on_by_default(version)
    return None


# Fields whose TRL default depends on other fields (bf16 is True unless fp16 is set, since
# 0.20): peft-lint treats them as unknown when the user did not write them.
CONDITIONAL_DEFAULTS = frozenset({"bf16"})


# PR #4713: a PeftModel together with peft_config raises in the trainers' __init__.
REJECTS_DOUBLE_WRAPPING_SINCE = "0.27.0"


def rejects_double_wrapping(version: str) -> bool:
    return version_at_least(version, REJECTS_DOUBLE_WRAPPING_SINCE)


# trl `models/utils.py` setup_chat_format: adds ChatML's special tokens and resizes the
# model's embeddings (deprecated in 0.26 for clone_chat_template, which does the same). The
# tokens may be in the vocabulary already (Qwen, SmolLM2), so no row is known to be new.
CHAT_FORMAT_SETUP = frozenset({"trl.setup_chat_format", "trl.models.utils.setup_chat_format",
                               "trl.clone_chat_template", "trl.models.utils.clone_chat_template"})


# trl scripts/utils.py TrlParser.parse_args_and_config: from 0.19.0 a key of the --config YAML
# that no dataclass has raises "ValueError: Unknown arguments from config file: [...]"; before,
# it was returned among the remaining strings and, by default, dropped without a word.
CONFIG_UNKNOWN_KEYS_RAISE_SINCE = "0.19.0"


def config_unknown_keys_raise(version: str) -> bool:
    return version_at_least(version, CONFIG_UNKNOWN_KEYS_RAISE_SINCE)


# trl `trainer/model_config.py` ModelConfig: the defaults of the fields get_peft_config and
# get_quantization_config read (the same from 0.8 to 1.16). Its __post_init__ turns a
# lora_target_modules list of one into that string ("all-linear" given as one flag value).
MODEL_CONFIG = frozenset({"trl.ModelConfig", "trl.ModelArguments"})
MODEL_CONFIG_DEFAULTS: dict[str, object] = {
    "use_peft": False, "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.05,
    "lora_target_modules": None, "lora_target_parameters": None, "lora_modules_to_save": None,
    "lora_task_type": "CAUSAL_LM", "use_rslora": False, "use_dora": False,
    "load_in_8bit": False, "load_in_4bit": False, "bnb_4bit_quant_type": "nf4",
    "use_bnb_nested_quant": False,
}
MODEL_CONFIG_LIST_FIELDS = frozenset({"lora_target_modules", "lora_target_parameters",
                                      "lora_modules_to_save"})
# trl `trainer/utils.py`: get_peft_config(model_args) is a LoraConfig built from ModelConfig's
# lora_* fields (None when use_peft is False); get_quantization_config(model_args) a
# BitsAndBytesConfig for load_in_4bit / load_in_8bit (None otherwise).
GET_PEFT_CONFIG = frozenset({"trl.get_peft_config"})
GET_QUANTIZATION_CONFIG = frozenset({"trl.get_quantization_config"})
PEFT_CONFIG_FIELDS: dict[str, str] = {  # LoraConfig keyword: ModelConfig field
    "task_type": "lora_task_type", "r": "lora_r", "target_modules": "lora_target_modules",
    "lora_alpha": "lora_alpha", "lora_dropout": "lora_dropout", "use_rslora": "use_rslora",
    "use_dora": "use_dora", "modules_to_save": "lora_modules_to_save",
}


# trl `cli/`: `trl sft|dpo|grpo|kto|reward ...` runs TRL's own script for the command
# (`trl/scripts/<command>.py`) under `accelerate launch`. Its parser takes the flags the
# script's dataclasses know (and a --config YAML); the others (--num_processes,
# --accelerate_config NAME|PATH, ...) go to accelerate. Each script is modelled by what it does
# with them: the config class and trainer below, ModelConfig's LoRA settings through
# get_peft_config, the model loaded by the trainer from model_name_or_path.
CLI_COMMANDS: dict[str, tuple[str, str]] = {
    "sft": ("SFTConfig", "SFTTrainer"), "dpo": ("DPOConfig", "DPOTrainer"),
    "grpo": ("GRPOConfig", "GRPOTrainer"), "kto": ("KTOConfig", "KTOTrainer"),
    "reward": ("RewardConfig", "RewardTrainer"),
}
# trl `accelerate_configs/`: `--accelerate_config NAME` (strategy, num_processes in the file)
BUNDLED_ACCELERATE_CONFIGS: dict[str, tuple[str, int]] = {
    "zero1": ("deepspeed", 8), "zero2": ("deepspeed", 8), "zero3": ("deepspeed", 8),
    "fsdp1": ("fsdp", 8), "fsdp2": ("fsdp", 8), "multi_gpu": ("ddp", 8), "single_gpu": ("none", 1),
}


def cli_script(command: str) -> str:
    """The model of TRL's script for `trl <command>`, as Python peft-lint interprets."""
    config, trainer = CLI_COMMANDS[command]
    return ("from trl import ModelConfig, ScriptArguments, TrlParser, get_peft_config, "
            f"get_quantization_config, {config}, {trainer}\n"
            f"parser = TrlParser((ScriptArguments, {config}, ModelConfig))\n"
            "parsed = parser.parse_args_and_config(return_remaining_strings=True,\n"
            "                                      separate_remaining_strings=True)\n"
            "script_args = parsed[0]\n"
            "training_args = parsed[1]\n"
            "model_args = parsed[2]\n"
            "training_args.model_init_kwargs = {\n"
            "    \"quantization_config\": get_quantization_config(model_args)}\n"
            f"trainer = {trainer}(model=model_args.model_name_or_path, args=training_args,\n"
            "                     peft_config=get_peft_config(model_args))\n"
            "trainer.train()\n")


# Config fields TRL renamed, for the advice given when an old name is written (what decides that
# it is gone is the generated tables): `max_seq_length` became SFTConfig's `max_length` (TRL 0.16
# deprecated the old name; 0.20 removed it, huggingface/trl#2895).
CONFIG_FIELD_RENAMES: dict[str, str] = {"max_seq_length": "max_length"}

# What to use instead of names TRL removed from its top level with no successor class (advice for
# the message; whether the name is gone is read from each release's generated exports).
REMOVED_EXPORT_ADVICE: dict[str, str] = {
    # removed in TRL 0.20 (huggingface/trl#3827): SFTTrainer masks the prompt itself
    "DataCollatorForCompletionOnlyLM":
        "drop the collator: SFTTrainer computes the loss on completions only for a prompt-completion "
        "dataset (`SFTConfig(completion_only_loss=None)`, the default), and on the assistant turns "
        "of a conversational one with `SFTConfig(assistant_only_loss=True)`",
}


# -- GRPO's batch arithmetic (generated: data/behaviours-trl.json, `scripts/gen_knowledge.py
#    --behaviours`, read from trl/trainer/grpo_config.py and grpo_trainer.py of every release)

# the GRPOConfig fields the check reads, beside TrainingArguments' batch sizes
GRPO_BATCH_FIELDS = ("num_generations", "generation_batch_size", "steps_per_generation",
                     "num_generations_eval", "auto_find_batch_size", "per_device_eval_batch_size",
                     "per_device_train_batch_size", "gradient_accumulation_steps", "eval_strategy")


@dataclass(frozen=True)
class GrpoBatchCheck:
    """How a TRL release refuses a GRPO batch that cannot hold whole prompt groups.

    family: "generation-divisible" (0.20+: GRPOConfig.__post_init__ checks generation_batch_size %
    num_generations), "generation-values" (0.18-0.19: the config, listing the valid values),
    "effective" (0.17: GRPOTrainer, world x per-device x gradient accumulation) or "global"
    (0.15-0.16: GRPOTrainer, world x per-device)."""

    family: str
    where: str  # "config" (GRPOConfig(...) raises) or "trainer" (GRPOTrainer(...) raises)
    eval_check: bool
    eval_generations_field: bool  # num_generations_eval counts for the eval batch
    both_batch_settings_refused: bool
    auto_find_batch_size_refused: bool


def grpo_batch_check(version: str) -> GrpoBatchCheck | None:
    """The release's check; None before GRPO checked it (0.14) or for a release not recorded
    (unless every recorded patch of its minor agrees)."""
    found = behaviour("trl", "grpo_batch_check", version)
    return GrpoBatchCheck(**found) if isinstance(found, dict) else None


def forces_reentrant_for_peft_zero3(version: str, trainer: str) -> bool | None:
    """Whether the release's trainer (`trl.SFTTrainer`, ...) sets
    `gradient_checkpointing_kwargs["use_reentrant"] = True` for a PEFT model under ZeRO-3
    (generated: behaviours-trl.json; SFT from 0.28, the other trainers later); None: not recorded."""
    return _trainer_listed("peft_zero3_forces_reentrant", version, trainer)


def _trainer_stem(trainer: str) -> str:
    """`trl.SFTTrainer` -> "sft": the trainer's file stem, as the generated tables key trainers."""
    return trainer.rsplit(".", 1)[-1].removesuffix("Trainer").lower()


def _trainer_listed(name: str, version: str, trainer: str) -> bool | None:
    """Whether a behaviour that lists trainers (by file stem) lists this one; None: not recorded."""
    found = behaviour("trl", name, version)
    return _trainer_stem(trainer) in found if isinstance(found, list) else None


def _trainer_entry(name: str, version: str, trainer: str) -> object:
    """A behaviour's entry for one trainer (by file stem), None when it has none."""
    found = behaviour("trl", name, version)
    return found.get(_trainer_stem(trainer)) if isinstance(found, dict) else None


# the TRL trainers whose configs have sync_ref_model (TR-DPO's reference-model sync) and beta
SYNC_REF_TRAINERS = frozenset({"trl.DPOTrainer", "trl.GRPOTrainer", "trl.KTOTrainer", "trl.RLOOTrainer"})


def sync_ref_model_refusal(version: str, trainer: str, case: str) -> str | None:
    """The exception (type and message) the release's trainer raises for `sync_ref_model=True`
    with a PEFT model (case "peft") or, in GRPO/RLOO, with `beta=0.0` (case "beta0"); None when
    it does not refuse it there or the release is not recorded (generated: behaviours-trl.json,
    GRPO/RLOO from 0.28, DPO from 0.29, KTO from 1.8)."""
    refusals = _trainer_entry("sync_ref_model_refused", version, trainer)
    message = refusals.get(case) if isinstance(refusals, dict) else None
    return message if isinstance(message, str) else None


def lm_head_adapter_refusal(version: str, trainer: str) -> str | None:
    """The exception the release's trainer raises when the PEFT model has an adapter on its output
    embeddings (`lm_head`), None when it does not check (generated: behaviours-trl.json; GRPO from
    1.7, DPO and KTO 1.8, SFT and RLOO 1.15)."""
    message = _trainer_entry("lm_head_adapter_refused", version, trainer)
    return message if isinstance(message, str) else None


# the SFTConfig fields the padding-free checks read
SFT_PADDING_FREE_FIELDS = ("padding_free", "packing", "packing_strategy", "max_length")


@dataclass(frozen=True)
class PaddingFreeChecks:
    """How the release's SFTTrainer treats padding-free mode (generated: behaviours-trl.json)."""

    custom_collator: str | None  # the exception for a data_collator given in padding-free mode
    max_length: str | None  # the exception for padding_free without packing and a max_length
    strategies: frozenset[str]  # packing strategies that turn padding-free on by themselves


def sft_padding_free(version: str) -> PaddingFreeChecks | None:
    found = behaviour("trl", "sft_padding_free", version)
    if not isinstance(found, dict):
        return None
    custom, limit = found.get("custom_collator"), found.get("max_length")
    return PaddingFreeChecks(custom if isinstance(custom, str) else None,
                             limit if isinstance(limit, str) else None,
                             frozenset(found.get("padding_free_strategies") or ()))


def keeps_adapter_dtype_for_zero3(version: str, trainer: str) -> bool | None:
    """Whether the release's trainer (`trl.SFTTrainer`, ...) wraps a non-quantized model under ZeRO-3
    with `get_peft_model(..., autocast_adapter_dtype=False)`, adapters in the base model's dtype
    (huggingface/trl#6091, 1.7; generated: behaviours-trl.json); None: not recorded."""
    return _trainer_listed("peft_zero3_keeps_adapter_dtype", version, trainer)
