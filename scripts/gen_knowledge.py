"""Generate the field tables peft-lint reads (TrainingArguments, SFTConfig, LoraConfig, ...).

Run it in an environment with the libraries installed; it writes one JSON file per library
version into src/peft_lint/knowledge/data/ (stamped with the version it was read from):

    python scripts/gen_knowledge.py                       # the installed versions
    .venv-repro-4x/bin/python scripts/gen_knowledge.py    # the transformers 4.x line

peft-lint itself never imports the libraries: it reads these files.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "peft_lint" / "knowledge" / "data"
CLASSES = {
    "transformers": ["TrainingArguments", "Seq2SeqTrainingArguments", "BitsAndBytesConfig"],
    "peft": ["LoraConfig", "AdaLoraConfig"],
    "trl": ["SFTConfig", "DPOConfig", "GRPOConfig", "KTOConfig", "ORPOConfig", "RewardConfig"],
}


def _default(value: object) -> object:
    if value is dataclasses.MISSING:
        return "<required>"
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return repr(value)


def fields_of(cls: type) -> dict[str, object]:
    if dataclasses.is_dataclass(cls):
        result: dict[str, object] = {}
        for field in dataclasses.fields(cls):
            default = field.default
            if default is dataclasses.MISSING and field.default_factory is not dataclasses.MISSING:
                default = repr(field.default_factory())
            result[field.name] = _default(default)
        return result
    parameters = inspect.signature(cls.__init__).parameters
    return {name: _default(p.default if p.default is not inspect.Parameter.empty else dataclasses.MISSING)
            for name, p in parameters.items() if name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD}


# Architectures people fine-tune most, by model_type.
MODEL_TYPES = [
    "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma", "gemma2",
    "gemma3_text", "gemma3", "phi", "phi3", "gpt2", "gpt_neox", "falcon", "opt", "bloom", "t5", "bart",
    "bert", "roberta", "deberta-v2", "vit", "clip", "siglip", "dinov2", "whisper", "llava", "mllama",
    "idefics2", "starcoder2", "gpt_oss", "olmo2", "granite", "cohere", "deepseek_v3", "mistral3",
    "qwen2_vl", "qwen2_5_vl", "gptj", "gpt_bigcode", "stablelm",
]


def module_names() -> dict[str, object]:
    """Module names per model_type, from tiny configs instantiated on the meta device."""
    import torch
    import transformers

    table: dict[str, object] = {}
    for model_type in MODEL_TYPES:
        try:
            config = transformers.AutoConfig.for_model(model_type)
        except (KeyError, ValueError):
            continue
        classes: list[str] = []
        names: set[str] = set()
        for auto in (transformers.AutoModelForCausalLM, transformers.AutoModel):
            try:
                with torch.device("meta"):
                    model = auto.from_config(config)
            except (ValueError, KeyError, TypeError, RuntimeError, AttributeError):
                continue
            classes.append(type(model).__name__)
            names |= {name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                      if name and not list(module.children())}
        if names:
            table[model_type] = {"classes": sorted(set(classes)), "modules": sorted(names)}
    return table


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        import transformers

        version = transformers.__version__.split("+")[0]
        document = {"package": "transformers", "version": version,
                    "generated_by": "scripts/gen_knowledge.py", "model_types": module_names()}
        path = OUT / f"modules-{version}.json"
        path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {path.name}")
    except ImportError:
        print("skip module names: transformers not installed")
    for package, names in CLASSES.items():
        try:
            module = importlib.import_module(package)
        except ImportError:
            print(f"skip {package}: not installed")
            continue
        version = module.__version__.split("+")[0]
        classes = {name: fields_of(getattr(module, name)) for name in names if hasattr(module, name)}
        document = {"package": package, "version": version,
                    "generated_by": "scripts/gen_knowledge.py", "classes": classes}
        path = OUT / f"{package}-{version}.json"
        path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(OUT.parent.parent.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
