"""Module names per architecture (model_type), generated from transformers' modeling code.

The tables in data/modules-<version>.json come from scripts/gen_knowledge.py, which
instantiates every architecture from its default config on the meta device. A model's
model_type comes from its class (LlamaForCausalLM) or from its hub id (a table of name
patterns below); an unknown model stays Unknown and the target-module rules stay silent.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from peft_lint.knowledge.versions import sort_key, version_at_least

DATA = Path(__file__).parent / "data"
# Head modules a task model adds to its base; always present in some task class.
HEAD_MODULES = frozenset({"lm_head", "score", "classifier", "qa_outputs", "pooler"})
# model_types whose module names changed at a known version (ViT family, bisected: 5.8.0
# still `query`, 5.9.0 `q_proj`): a table from the same side of the change is used.
RENAMED_AT = {"vit": "5.9.0", "dinov2": "5.9.0"}
# model_types whose names changed at a version not pinned down (MoE experts fused into
# parameters during 5.x): only an exact table is used.
VERSION_SENSITIVE = frozenset({"mixtral", "qwen2_moe", "qwen3_moe", "gpt_oss", "deepseek_v3"})
# PEFT's convert_peft_config_for_transformers (0.19, per axolotl's loader comments) rewrites
# the 4.x expert module names into target_parameters for transformers 5.
MOE_NAME_CONVERSION_SINCE = "0.19.0"
LAST_4X_TABLE = "4.57.6"
# Hub id patterns, most specific first; None: recognised but not a covered architecture.
ID_PATTERNS: tuple[tuple[str, str | None], ...] = (
    (r"r1-distill-qwen", "qwen2"), (r"r1-distill-llama", "llama"),
    (r"llava-1\.5|llava-hf/llava-1\.5", "llava"), (r"llava", None),
    (r"llama-3\.2-\d+b-vision", "mllama"), (r"llama-?4", None), (r"llama", "llama"),
    (r"mixtral", "mixtral"), (r"mistral-7b|mistral-nemo", "mistral"), (r"mistral", None),
    (r"qwen3-?vl|qwen3-omni", None), (r"qwen3-next", "qwen3_next"),
    (r"qwen3[\w.-]*-\d+b-a\d+b|qwen3.*moe", "qwen3_moe"), (r"qwen3", "qwen3"),
    (r"qwen2\.5-vl", "qwen2_5_vl"), (r"qwen2-vl", "qwen2_vl"), (r"qwen.*(vl|audio|omni)", None),
    (r"qwen1\.5-moe|qwen2-57b-a14b|qwen2-moe", "qwen2_moe"), (r"qwen2(\.5)?-", "qwen2"),
    (r"gemma-3-(1b|270m)|medgemma-27b-text", "gemma3_text"), (r"gemma-3n", None), (r"gemma-3", "gemma3"),
    (r"translategemma|medgemma", "gemma3"), (r"gemma-2", "gemma2"),
    (r"codegemma|gemma-\d+b|gemma-1\.1", "gemma"),
    (r"phi-3\.5-moe", "phimoe"), (r"phi-3|phi-4|phi3|phi4", "phi3"), (r"phi-[12]|phi-1_5", "phi"),
    (r"distilgpt2|(^|/)gpt2", "gpt2"), (r"pythia|gpt-neox", "gpt_neox"), (r"gpt-j", "gptj"),
    (r"falcon-(mamba|h1)", None), (r"falcon", "falcon"), (r"facebook/opt-", "opt"), (r"bloom", "bloom"),
    (r"flan-t5|(^|/)t5-", "t5"), (r"facebook/bart", "bart"),
    (r"deberta-v[23]", "deberta-v2"), (r"xlm-roberta", None), (r"roberta", "roberta"),
    (r"(distil|al|modern|ro|de)bert", None), (r"(^|/)bert-", "bert"),
    (r"google/vit-", "vit"), (r"openai/clip", "clip"), (r"siglip", "siglip"), (r"dinov2", "dinov2"),
    (r"whisper", "whisper"), (r"starcoder2", "starcoder2"), (r"starcoder|santacoder", "gpt_bigcode"),
    (r"gpt-oss", "gpt_oss"), (r"olmo-2", "olmo2"), (r"stablelm", "stablelm"),
    (r"deepseek-v3|deepseek-r1", "deepseek_v3"), (r"deepseek-v2", "deepseek_v2"), (r"olmoe", "olmoe"),
    (r"glm-4\.[56]v", None), (r"glm-4\.[56]", "glm4_moe"),
)
CLASS_SUFFIXES = ("ForConditionalGeneration", "ForCausalLM", "ForSequenceClassification",
                  "ForTokenClassification", "ForQuestionAnswering", "ForImageClassification",
                  "ForSeq2SeqLM", "ForMaskedLM", "LMHeadModel", "Model")


@lru_cache(maxsize=8)
def _table(version: str) -> dict[str, dict[str, list[str]]] | None:
    path = DATA / f"modules-{version}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8")).get("model_types", {})
    return data if isinstance(data, dict) else None


def table_versions() -> list[str]:
    versions = [path.stem[len("modules-"):] for path in DATA.glob("modules-*.json")]
    return sorted(versions, key=sort_key)


def _table_for(model_type: str, version: str) -> tuple[dict[str, dict[str, list[str]]], str] | None:
    """The exact table, or an older one of the same major version for names stable within it."""
    versions = table_versions()
    if version in versions:
        table = _table(version)
        return (table, version) if table else None
    if model_type in VERSION_SENSITIVE:
        return None
    if model_type in RENAMED_AT:
        after = version_at_least(version, RENAMED_AT[model_type])
        same = [candidate for candidate in versions
                if version_at_least(candidate, RENAMED_AT[model_type]) == after]
    else:
        major = version.split(".")[0]
        same = [candidate for candidate in versions if candidate.split(".")[0] == major]
    if not same:
        return None
    # the newest table not newer than the version; a version older than every table is not
    # judged (names may have changed since: never judge by a newer release)
    older = [candidate for candidate in same if version_at_least(version, candidate)]
    if not older:
        return None
    chosen = older[-1]
    table = _table(chosen)
    return (table, chosen) if table else None


def module_names(model_type: str, version: str) -> tuple[frozenset[str], str] | None:
    """The module names of an architecture for a transformers version, and the table's version."""
    found = _table_for(model_type, version)
    if found is None or model_type not in found[0]:
        return None
    return frozenset(found[0][model_type]["modules"]) | HEAD_MODULES, found[1]


def model_type_from_id(model_id: str) -> str | None:
    lowered = model_id.lower()
    for pattern, model_type in ID_PATTERNS:
        if re.search(pattern, lowered):
            return model_type
    return None


def model_type_from_class(class_name: str, version: str) -> str | None:
    """`LlamaForCausalLM` -> "llama", through the class names recorded in the tables."""
    if class_name.startswith("Auto"):
        return None
    prefix = _strip(class_name)
    for candidate in reversed(table_versions()):
        for model_type, entry in (_table(candidate) or {}).items():
            if any(_strip(name) == prefix for name in entry.get("classes", [])):
                return model_type
    return None


def _strip(class_name: str) -> str:
    for suffix in CLASS_SUFFIXES:
        if class_name.endswith(suffix) and class_name != suffix:
            return class_name[: -len(suffix)]
    return class_name
