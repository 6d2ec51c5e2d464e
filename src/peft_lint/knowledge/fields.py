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
    """The fields a config class accepts at the resolved version; None when no table covers it.

    An exact table is used when there is one; a version between two tables gets the union of
    both (a field absent from the tables on both sides is taken to be absent in between).
    """
    found = _class_tables(canonical, versions)
    if found is None:
        return None
    return frozenset().union(*found)


def _class_tables(canonical: str, versions: dict[str, str]) -> list[dict[str, object]] | None:
    """The class's field table(s) for the resolved version: exact, or the two around it."""
    if canonical not in TABLES:
        return None
    package, name = TABLES[canonical]
    version = versions.get(package)
    tables = [_table(package, candidate) for candidate in _bracket(package, version)] if version else []
    if not tables or any(table is None or name not in table for table in tables):
        return None
    return [table[name] for table in tables if table is not None]


@lru_cache(maxsize=256)  # pure: the tables are data shipped with peft-lint
def _bracket(package: str, version: str) -> tuple[str, ...]:
    """The exact table's version, or the nearest tables below and above; [] outside them."""
    from peft_lint.knowledge.versions import parse_version

    key = parse_version(version)
    known = sorted((parse_version(v), v) for v in covered_versions(package) if parse_version(v))
    if key is None or not known:
        return ()
    exact = [v for k, v in known if k == key]
    if exact:
        return tuple(exact)
    below = [v for k, v in known if k < key]
    above = [v for k, v in known if k > key]
    return (below[-1], above[0]) if below and above else ()


@lru_cache(maxsize=32)
def _covered(package: str) -> tuple[str, ...]:
    prefix = f"{package}-"
    return tuple(sorted(path.stem[len(prefix):] for path in DATA.glob(f"{prefix}*.json")))


def covered_versions(package: str) -> list[str]:
    return list(_covered(package))


MISSING = object()


def default(canonical: str, versions: dict[str, str], key: str) -> object:
    """A field's default from the generated tables, or MISSING when they do not give one.

    Only plain values count (strings, numbers, booleans, None), and a version between two
    tables only when both give the same default.
    """
    tables = _class_tables(canonical, versions)
    if tables is None or any(key not in table for table in tables):
        return MISSING
    values = [table[key] for table in tables]
    if any(value != values[0] for value in values):
        return MISSING
    value = values[0]
    if value == "<required>" or not (value is None or isinstance(value, bool | int | float | str)):
        return MISSING
    if isinstance(value, str) and value.startswith("<"):
        return MISSING  # an enum's repr, not its value
    return value
