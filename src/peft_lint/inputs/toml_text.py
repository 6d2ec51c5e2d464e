"""TOML text read with the standard library (tomli before Python 3.11)."""

from __future__ import annotations

import sys
from typing import Any


def load_toml_text(text: str) -> dict[str, Any] | None:
    """The document, or None when the text is not TOML."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except (ValueError, RecursionError):  # TOMLDecodeError, and integers past int()'s digit limit
        return None
