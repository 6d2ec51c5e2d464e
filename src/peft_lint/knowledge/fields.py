"""Field names and defaults of the libraries' config classes, per version.

The tables in data/ are generated from the real packages by scripts/gen_knowledge.py,
one file per library version; peft-lint reads them and never imports the libraries.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
# canonical class name -> (package, class name in the table)
TABLES = {
    "transformers.TrainingArguments": ("transformers", "TrainingArguments"),
    "transformers.Seq2SeqTrainingArguments": ("transformers", "Seq2SeqTrainingArguments"),
    "trl.SFTConfig": ("trl", "SFTConfig"),
    "trl.DPOConfig": ("trl", "DPOConfig"),
    "trl.GRPOConfig": ("trl", "GRPOConfig"),
    "trl.KTOConfig": ("trl", "KTOConfig"),
    "trl.ORPOConfig": ("trl", "ORPOConfig"),
    "trl.RewardConfig": ("trl", "RewardConfig"),
    "peft.LoraConfig": ("peft", "LoraConfig"),
    "peft.AdaLoraConfig": ("peft", "AdaLoraConfig"),
}


@lru_cache(maxsize=32)
def _table(package: str, version: str) -> dict[str, dict[str, object]] | None:
    path = DATA / f"{package}-{version}.json"
    if not path.is_file():
        return None
    classes = json.loads(path.read_text(encoding="utf-8")).get("classes", {})
    return classes if isinstance(classes, dict) else None


def fields(canonical: str, versions: dict[str, str]) -> frozenset[str] | None:
    """The fields of a config class for the resolved version; None when no table covers it."""
    if canonical not in TABLES:
        return None
    package, name = TABLES[canonical]
    version = versions.get(package)
    table = _table(package, version) if version else None
    if table is None or name not in table:
        return None
    return frozenset(table[name])


def covered_versions(package: str) -> list[str]:
    prefix = f"{package}-"
    return sorted(path.stem[len(prefix):] for path in DATA.glob(f"{prefix}*.json"))
