"""peft facts used by the rules (read from the 0.21.2 wheel and git history)."""

from __future__ import annotations

from peft_lint.knowledge.versions import version_at_least

PACKAGE = "peft"
KNOWN_VERSIONS = [
    "0.4.0", "0.5.0", "0.6.2", "0.7.1", "0.8.2", "0.9.0", "0.10.0", "0.11.1", "0.12.0", "0.13.2",
    "0.14.0", "0.15.2", "0.16.0", "0.17.1", "0.18.0", "0.18.1", "0.19.0", "0.19.1", "0.20.0",
    "0.21.2",
]

# AdaLoraConfig.__post_init__ rejects bad schedules since PR #2341.
ADALORA_SCHEDULE_VALIDATED_SINCE = "0.15.0"
ADALORA_DEFAULTS: dict[str, object] = {"total_step": None, "tinit": 0, "tfinal": 0}

ADAPTER_CONFIGS = {
    "peft.LoraConfig": "lora",
    "peft.AdaLoraConfig": "adalora",
    "peft.IA3Config": "ia3",
    "peft.LoHaConfig": "loha",
    "peft.LoKrConfig": "lokr",
    "peft.OFTConfig": "oft",
    "peft.BOFTConfig": "boft",
    "peft.VeraConfig": "vera",
    "peft.PromptTuningConfig": "prompt_tuning",
    "peft.PrefixTuningConfig": "prefix_tuning",
    "peft.PromptEncoderConfig": "p_tuning",
}
GET_PEFT_MODEL = frozenset({"peft.get_peft_model", "peft.mapping.get_peft_model"})
PREPARE_KBIT = frozenset({"peft.prepare_model_for_kbit_training",
                          "peft.utils.prepare_model_for_kbit_training"})
# Removed in peft 0.10.0 (huggingface/peft#1358); returns the model it prepared.
PREPARE_INT8 = frozenset({"peft.prepare_model_for_int8_training",
                          "peft.utils.prepare_model_for_int8_training"})
PEFT_LOADERS = frozenset({
    "peft.PeftModel.from_pretrained", "peft.PeftModelForCausalLM.from_pretrained",
    "peft.AutoPeftModel.from_pretrained", "peft.AutoPeftModelForCausalLM.from_pretrained",
    "peft.AutoPeftModelForSeq2SeqLM.from_pretrained",
    "peft.AutoPeftModelForSequenceClassification.from_pretrained",
})
# PeftModel.from_pretrained(..., is_trainable=False) loads the adapter frozen since 0.3.0
# (config.inference_mode = not is_trainable, then _freeze_adapter); before, the argument did not
# exist and LoraModel marked the loaded LoRA weights trainable whatever the saved config said.
FROM_PRETRAINED_FROZEN_SINCE = "0.3.0"
# Task types for which PEFT trains a head (modules_to_save) outside the blocks.
HEAD_TASK_TYPES = frozenset({"SEQ_CLS", "TOKEN_CLS", "QUESTION_ANS"})


def validates_adalora_schedule(version: str) -> bool:
    return version_at_least(version, ADALORA_SCHEDULE_VALIDATED_SINCE)


def loads_adapters_frozen(version: str) -> bool:
    return version_at_least(version, FROM_PRETRAINED_FROZEN_SINCE)


# LoRA's checks of its config when get_peft_model builds the layers (peft >= 0.6; before, a
# bare NotImplementedError for `bias` and no check of `r`): reproduced on 0.17 and 0.21.
LORA_VALUES_CHECKED_SINCE = "0.6.0"
LORA_BIAS_ERROR = "NotImplementedError: Requested bias: {value}, is not implemented."
LORA_RANK_ERROR = "ValueError: `r` should be a positive integer value but the value passed is {value}"


def checks_lora_values(version: str) -> bool:
    return version_at_least(version, LORA_VALUES_CHECKED_SINCE)


# What to use instead of names peft removed from its top level (advice for the message; whether a
# name is gone is read from each release's generated exports).
REMOVED_EXPORT_ADVICE: dict[str, str] = {
    # removed in peft 0.10.0 (huggingface/peft#1358); the kbit function covers 8-bit and 4-bit
    "prepare_model_for_int8_training": "use `prepare_model_for_kbit_training(model)` "
                                       "(`from peft import prepare_model_for_kbit_training`)",
}


def patched_state_dict_saves_empty(version: str) -> bool | None:
    """Whether saving a PeftModel whose `state_dict` was patched to return
    `get_peft_model_state_dict(self, old_state_dict())` (tloen/alpaca-lora's finetune.py) writes an
    adapter file without a tensor: releases whose get_peft_model_state_dict keeps only keys that
    name the adapter (0.4.0-0.19.1; generated per release from peft/utils/save_and_load.py:
    behaviours-peft.json). None: a release not recorded."""
    from peft_lint.knowledge.behaviours import behaviour

    found = behaviour("peft", "state_dict_keys_need_adapter_name", version)
    return found if isinstance(found, bool) else None


# Data-driven LoRA initializations and the call that must run for them (peft `tuners/lora/layer.py`
# 0.21.2 `update_layer`): without it EVA only zeroes lora_B (plain LoRA, silently), LoRA-GA falls back
# to gaussian (silently), CorDA raises "`eigens` attribute not found for layer, please run
# `preprocess_corda` first."
INIT_PREPARATION = {"eva": "initialize_lora_eva_weights", "lora_ga": "preprocess_loraga",
                    "corda": "preprocess_corda"}
CORDA_UNPREPARED = ("ValueError: `eigens` attribute not found for layer, please run `preprocess_corda` "
                    "first. More information can be found at examples/corda_finetuning/README.md.")
# Initializations that take an SVD of the base weight and refuse a quantized one (layer.py 0.21.2
# `pissa_init` / `corda_init`: "Please initialize PiSSA under float32, float16, or bfloat16.")
SVD_INITS = {"pissa": "PiSSA", "corda": "CorDA"}


def get_peft_model_autocasts_adapters(version: str) -> bool | None:
    """Whether the release's get_peft_model upcasts fp16/bf16 adapter weights to fp32 by default
    (`autocast_adapter_dtype=True`, from 0.12; generated: behaviours-peft.json); None: not recorded."""
    from peft_lint.knowledge.behaviours import behaviour

    found = behaviour("peft", "get_peft_model_autocasts_adapters", version)
    return found if isinstance(found, bool) else None
