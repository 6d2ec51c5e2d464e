"""transformers facts used by the rules, with the versions they were read from.

Sources: the 4.57.6 and 5.24.0 wheels (modeling_utils.py, trainer.py,
training_args.py), bisected over 5.x releases, and the behaviour tables generated from every
release (data/behaviours-transformers.json, scripts/gen_knowledge.py --behaviours).
"""

from __future__ import annotations

from dataclasses import dataclass

from peft_lint.knowledge.behaviours import behaviour
from peft_lint.knowledge.versions import version_at_least

PACKAGE = "transformers"
KNOWN_VERSIONS = [
    "4.30.2", "4.31.0", "4.32.1", "4.33.3", "4.34.1", "4.35.2", "4.36.2", "4.37.2", "4.38.2",
    "4.39.3", "4.40.2", "4.41.2", "4.42.4", "4.43.4", "4.44.2", "4.45.2", "4.46.3", "4.47.1",
    "4.48.3", "4.49.0", "4.50.3", "4.51.3", "4.52.4", "4.53.3", "4.54.1", "4.55.4", "4.56.2",
    "4.57.6", "5.0.0", "5.1.0", "5.2.0", "5.3.0", "5.4.0", "5.5.0", "5.5.4", "5.6.2", "5.7.0",
    "5.8.0", "5.8.1", "5.9.0", "5.10.4", "5.11.0", "5.12.1", "5.13.1", "5.14.1", "5.15.1", "5.16.0",
    "5.16.1", "5.17.0", "5.18.0", "5.19.0", "5.20.0", "5.20.2", "5.21.1", "5.22.0", "5.22.2",
    "5.23.0", "5.24.0",
]

# PR #43203: `gradient_checkpointing_enable()` without kwargs is non-reentrant.
NON_REENTRANT_DEFAULT_SINCE = "5.0.0"
# Enabling checkpointing calls enable_input_require_grads() for every model whose
# main_input_name is "input_ids" (modeling_utils `_activation_checkpointing_enable`).
INPUT_GRADS_FOR_TEXT_MODELS_SINCE = "5.0.0"
# TrainingArguments.gradient_checkpointing* renamed activation_checkpointing*.
ACTIVATION_CHECKPOINTING_RENAME = "5.23.0"

GC_FLAG_KEYS = ("gradient_checkpointing", "activation_checkpointing")
GC_KWARGS_KEYS = ("gradient_checkpointing_kwargs", "activation_checkpointing_kwargs")
GC_ENABLE_METHODS = ("gradient_checkpointing_enable", "activation_checkpointing_enable")

# TrainingArguments field present in 5.24.0, absent in 4.57.6 (TypeError there).
STATIC_GRAPH_FIELD = "ddp_static_graph"
STATIC_GRAPH_KNOWN_SINCE = "5.0.0"

TRAINING_ARGUMENT_CLASSES = frozenset({
    "transformers.TrainingArguments",
    "transformers.Seq2SeqTrainingArguments",
    "transformers.training_args.TrainingArguments",
})
TRAINER_CLASSES = frozenset({
    "transformers.Trainer",
    "transformers.Seq2SeqTrainer",
    "transformers.trainer.Trainer",
})
CALLBACK_BASES = frozenset({
    "transformers.TrainerCallback",
    "transformers.trainer_callback.TrainerCallback",
})
ARGUMENT_PARSER = "transformers.HfArgumentParser"
QUANTIZATION_CONFIGS = frozenset({
    "transformers.BitsAndBytesConfig", "transformers.GPTQConfig", "transformers.AwqConfig",
    "transformers.HqqConfig", "transformers.AqlmConfig", "transformers.EetqConfig",
    "transformers.TorchAoConfig", "transformers.QuantoConfig", "transformers.FbgemmFp8Config",
    "transformers.CompressedTensorsConfig", "transformers.FineGrainedFP8Config",
    "transformers.Mxfp4Config", "transformers.HiggsConfig", "transformers.SpQRConfig",
    "transformers.VptqConfig", "transformers.BitNetConfig", "transformers.QuarkConfig",
    "transformers.AutoRoundConfig",
})
# from_pretrained kwargs that quantize while loading (load_in_* removed in 5.0).
QUANTIZING_KWARGS = ("quantization_config", "load_in_4bit", "load_in_8bit")

# Names in a hub id that mark a checkpoint saved already quantized: loading it
# quantizes without any quantization kwarg.
PREQUANTIZED_NAME_HINTS = (
    "gptq", "awq", "bnb", "4bit", "8bit", "int4", "int8", "gguf", "aqlm", "hqq", "eetq",
    "fp8", "mxfp4", "nf4", "exl2", "quant", "w4a16", "w8a8", "marlin", "bitnet",
)

# main_input_name by model class, from the class suffix. Only classes whose
# input is the same for every architecture are listed.
_MAIN_INPUT_BY_SUFFIX = (
    ("ForCausalLM", "input_ids"),
    ("ForSeq2SeqLM", "input_ids"),
    ("ForMaskedLM", "input_ids"),
    ("ForSequenceClassification", "input_ids"),
    ("ForTokenClassification", "input_ids"),
    ("ForQuestionAnswering", "input_ids"),
    ("ForMultipleChoice", "input_ids"),
    ("ForImageClassification", "pixel_values"),
    ("ForObjectDetection", "pixel_values"),
    ("ForSemanticSegmentation", "pixel_values"),
    ("ForDepthEstimation", "pixel_values"),
    ("ForMaskedImageModeling", "pixel_values"),
    ("ForSpeechSeq2Seq", "input_features"),
    ("ForCTC", "input_values"),
)
_MAIN_INPUT_BY_PREFIX = (
    ("Whisper", "input_features"),
    ("Wav2Vec2", "input_values"),
    ("Hubert", "input_values"),
    ("ViT", "pixel_values"),
    ("Dinov2", "pixel_values"),
    ("CLIPVision", "pixel_values"),
    ("SiglipVision", "pixel_values"),
)
# Classes whose trainable head sits outside the checkpointed blocks.
HEAD_CLASS_SUFFIXES = (
    "ForSequenceClassification", "ForTokenClassification", "ForImageClassification",
    "ForAudioClassification", "ForQuestionAnswering", "ForMultipleChoice",
)


# from_pretrained without dtype loads the checkpoint's own dtype ("auto") since 5.0
# (huggingface/transformers#42805 "Default auto"); 4.x loaded float32 unless dtype="auto".
DTYPE_AUTO_DEFAULT_SINCE = "5.0.0"

# Checkpoint dtypes (the `torch_dtype` of the hub config.json) of ids whose value is on record;
# other ids are Unknown unless a local config.json beside the run says.
CHECKPOINT_DTYPES = {
    # PR #42805 thread: "the auto dtype is now float16 instead of float32" for opt-125m
    "facebook/opt-125m": "float16",
}

_DTYPE_NAMES = {
    "float16": "float16", "half": "float16", "fp16": "float16",
    "bfloat16": "bfloat16", "bf16": "bfloat16",
    "float32": "float32", "float": "float32", "fp32": "float32",
}


def dtype_name(value: object) -> str | None:
    """`torch.float16`, "float16", "half" ... -> "float16"; "auto" stays "auto"."""
    if not isinstance(value, str):
        return None
    short = value.rsplit(".", 1)[-1].lower()
    return "auto" if short == "auto" else _DTYPE_NAMES.get(short)


def loads_checkpoint_dtype_by_default(version: str) -> bool:
    return version_at_least(version, DTYPE_AUTO_DEFAULT_SINCE)


def non_reentrant_by_default(version: str) -> bool:
    return version_at_least(version, NON_REENTRANT_DEFAULT_SINCE)


def adds_input_grads_for_text_models(version: str) -> bool:
    return version_at_least(version, INPUT_GRADS_FOR_TEXT_MODELS_SINCE)


def has_static_graph_field(version: str) -> bool:
    return version_at_least(version, STATIC_GRAPH_KNOWN_SINCE)


def main_input_name(class_name: str) -> str | None:
    short = class_name.rsplit(".", 1)[-1]
    if short.startswith("AutoModelFor") and short == "AutoModelForImageTextToText":
        return None
    for prefix, name in _MAIN_INPUT_BY_PREFIX:
        if short.startswith(prefix):
            return name
    for suffix, name in _MAIN_INPUT_BY_SUFFIX:
        if short.endswith(suffix):
            return name
    return None


def is_model_class(canonical: str) -> bool:
    """transformers.AutoModelForCausalLM, transformers.LlamaForCausalLM, ..."""
    if not canonical.startswith("transformers."):
        return False
    short = canonical.rsplit(".", 1)[-1]
    return short.startswith("AutoModel") or "For" in short or short.endswith("Model")


def looks_prequantized(model_id: str) -> bool:
    lowered = model_id.lower()
    return any(hint in lowered for hint in PREQUANTIZED_NAME_HINTS)

# TrainingArguments fields under their old names (the old spelling still carries the value on
# the versions that accept it; PFT701 reports it where it is gone): evaluation_strategy was
# renamed in 4.41 (PR #30190) and removed in 4.51 (the field tables).
OLD_FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "eval_strategy": ("evaluation_strategy",),
}

# TrainingArguments field defaults the rules read (same in 4.57.6 and 5.24.0;
# ddp_static_graph does not exist in 4.57.6).
TRAINING_ARGUMENT_DEFAULTS: dict[str, object] = {
    "gradient_checkpointing": False,
    "activation_checkpointing": False,
    "gradient_checkpointing_kwargs": None,
    "activation_checkpointing_kwargs": None,
    "ddp_find_unused_parameters": None,
    "ddp_static_graph": None,
    "deepspeed": None,
    "fsdp": "",
    "max_steps": -1,
    "per_device_train_batch_size": 8,
    "gradient_accumulation_steps": 1,
    "max_grad_norm": 1.0,
    "learning_rate": 5e-5,
    "adam_beta1": 0.9,
    "adam_beta2": 0.999,
    "adam_epsilon": 1e-8,
    "weight_decay": 0.0,
    "fp16": False,
    "bf16": False,
    "fp16_full_eval": False,
    "bf16_full_eval": False,
    "load_best_model_at_end": False,
    "save_strategy": "steps",
    "eval_strategy": "no",
    "save_steps": 500,
    "eval_steps": None,
    "logging_steps": 500,
}


def training_argument_default(key: str, version: str) -> object | None:
    """The default of a TrainingArguments field, None when not known here."""
    if key.startswith("activation_checkpointing") and \
            not version_at_least(version, ACTIVATION_CHECKPOINTING_RENAME):
        return None
    return TRAINING_ARGUMENT_DEFAULTS.get(key)


# The Trainer's optimizer (`optim`): torch's AdamW by default since 4.32 (`adamw_torch`;
# `adamw_torch_fused` where torch supports it, from 4.54). Its constructor checks these values
# before the first step (`if not 0.0 <= lr`), so a string raises "TypeError: '<=' not
# supported between instances of 'float' and 'str'" when training starts. Reproduced on 4.57.6
# and 5.24.0 (torch 2.13.0) with TrainingArguments(**yaml.safe_load(...)) and
# HfArgumentParser.parse_yaml_file / parse_dict; TrlParser's --config goes through argparse,
# which converts a string default with the field's type, so it is not affected.
TORCH_ADAMW = frozenset({"adamw_torch", "adamw_torch_fused"})
TORCH_ADAMW_DEFAULT_SINCE = "4.32.0"
ADAMW_CHECKED_FLOATS = ("learning_rate", "weight_decay", "adam_epsilon", "adam_beta1", "adam_beta2")
OPTIMIZER_CHECK_ERROR = "TypeError: '<=' not supported between instances of 'float' and 'str'"


def default_optimizer_is_torch_adamw(version: str) -> bool:
    return version_at_least(version, TORCH_ADAMW_DEFAULT_SINCE)

# The fields TrainingArguments.__post_init__ converts to their Enum (`SaveStrategy(value)`), so
# a value outside the enum raises when the arguments are built, however they were read: kwargs,
# HfArgumentParser's dict and file readers, TrlParser's --config (reproduced on 4.57.6 and
# 5.24.0). Their values per version come from the field tables' "choices".
POST_INIT_ENUM_FIELDS = frozenset({"evaluation_strategy", "eval_strategy", "save_strategy",
                                   "logging_strategy", "lr_scheduler_type", "optim",
                                   "hub_strategy"})
# transformers.utils.generic.ExplicitEnum._missing_
# (the message goes on: ", please select one of [<the values in the enum's order>]")
ENUM_VALUE_ERROR = "{value} is not a valid {enum}"

# BitsAndBytesConfig(bnb_4bit_compute_dtype="...") runs `getattr(torch, value)` when it is built
# (every release 4.30-5.24): a name torch lacks raises AttributeError, a torch name that is no
# dtype fails post_init's check (reproduced on 5.24.0)
BNB_COMPUTE_DTYPE_ERROR = ("AttributeError: module 'torch' has no attribute '{value}' (or, for a torch "
                           "name that is no dtype, TypeError: bnb_4bit_compute_dtype must be torch.dtype)")


# -- what each release's Trainer does (generated: data/behaviours-transformers.json,
#    `scripts/gen_knowledge.py --behaviours`, read from transformers/trainer.py of each release)
COMPUTE_LOSS_KEYWORD = "num_items_in_batch"
EVAL_DATASET_ERROR = ("ValueError: You have set `args.eval_strategy` to {strategy} but you didn't pass an "
                      "`eval_dataset` to `Trainer`. Either set `args.eval_strategy` to `no` or pass an "
                      "`eval_dataset`.")


def requires_eval_dataset(version: str) -> bool | None:
    """Whether Trainer.__init__ refuses an evaluation strategy without an eval_dataset (from
    4.46); None for a release without a record."""
    found = behaviour("transformers", "eval_strategy_requires_eval_dataset", version)
    return None if found is None else bool(found)


def compute_loss_call(version: str) -> str | None:
    """How the release's training step calls `compute_loss`: "always" with
    `num_items_in_batch=`, "unless-loss-kwargs" (only when the model's forward takes no loss
    kwargs: 4.47.0, 4.48.0), "never" (before 4.46.1); None for a release the table does not
    list, unless every listed patch of its minor agrees."""
    found = behaviour("transformers", "compute_loss_num_items", version)
    return None if found is None else str(found)


# DataCollatorForLanguageModeling(mlm=False) builds labels from input_ids and sets every label equal to
# the tokenizer's pad_token_id to -100 (data/data_collator.py, every release 4.30-5.24): with
# pad = EOS, every EOS token is left out of the loss.
LM_COLLATORS = frozenset({"transformers.DataCollatorForLanguageModeling",
                          "transformers.data.DataCollatorForLanguageModeling",
                          "transformers.data.data_collator.DataCollatorForLanguageModeling"})


@dataclass(frozen=True)
class OptimizersRefusal:
    backends: frozenset[str]  # "fsdp", and "deepspeed" until 4.45
    message: str  # the RuntimeError's text as the release writes it


def optimizers_refusal(version: str) -> OptimizersRefusal | None:
    """How the release's Trainer.__init__ refuses `optimizers=(optimizer, scheduler)` under FSDP (and
    DeepSpeed, until 4.45), generated from each trainer.py (behaviours-transformers.json); None for
    a release not recorded."""
    found = behaviour("transformers", "optimizers_refused_with", version)
    if not isinstance(found, dict) or not isinstance(found.get("message"), str):
        return None
    return OptimizersRefusal(frozenset(found.get("backends") or ()), found["message"])


NOT_TRAINABLE_ERROR = ("ValueError: The model you are trying to fine-tune is quantized with {method} but "
                       "that quantization method do not support training.")


def quantization_not_trainable(version: str, config_class: str) -> tuple[tuple[str, ...], bool] | None:
    """(the quant methods a config class loads with, whether the quantizer may dequantize by itself
    on a machine without its kernels) when the release's Trainer refuses to train them (their
    quantizer's is_trainable is False); None: trainable, decided at run time (torchao's bit width,
    ...), not checked by that release, or not recorded (generated: behaviours-transformers.json)."""
    found = behaviour("transformers", "quantization_trainable", version)
    if not isinstance(found, dict) or not found.get("checked"):
        return None
    entry = (found.get("configs") or {}).get(config_class.rsplit(".", 1)[-1])
    trainable = entry.get("trainable") if isinstance(entry, dict) else None
    if not isinstance(entry, dict) or trainable not in (False, "unless-dequantized-by-environment"):
        return None
    return tuple(entry.get("methods") or ()), entry.get("trainable") is not False


def routed_expert_blocks(version: str, model_type: str) -> list[str] | None:
    """The module paths of the MoE blocks of model_type whose experts are a ModuleList of
    per-expert modules run only for the tokens routed to them ([] when it has none: dense models,
    and transformers 5's packed experts); None for a release not recorded (generated from each
    models/*/modeling_*.py: behaviours-transformers.json)."""
    found = behaviour("transformers", "moe_routed_expert_modules", version)
    if not isinstance(found, dict):
        return None
    blocks = found.get(model_type)
    return [str(block) for block in blocks] if isinstance(blocks, list) else []


def training_requires_token_type_ids(version: str, model_type: str) -> str | None:
    """The exception the release's model_type raises in a training-mode forward without
    `token_type_ids` (Gemma 3's multimodal model on 5.0-5.5, PaliGemma), None when it does not or
    the release is not recorded (generated from each modeling file: behaviours-transformers.json)."""
    found = behaviour("transformers", "training_requires_token_type_ids", version)
    message = found.get(model_type) if isinstance(found, dict) else None
    return message if isinstance(message, str) else None
