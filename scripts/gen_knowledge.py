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


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
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
