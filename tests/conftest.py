from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


def all_cases() -> list[Path]:
    return sorted(path for path in RULES.glob("pft*/cases/*") if path.is_dir())
