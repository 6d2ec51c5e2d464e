"""TOML text read with the standard library (tomli before Python 3.11)."""

from __future__ import annotations

import sys
from typing import Any


def load_toml_text(text: str) -> dict[str, Any] | None:
    """The document, or None when the text is not TOML."""
    return parse_toml_text(text)[0]


def parse_toml_text(text: str) -> tuple[dict[str, Any] | None, str]:
    """(the document, "") or (None, why the text is not TOML, as the parser says it: its line and
    column)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(text), ""
    except (ValueError, RecursionError) as error:  # TOMLDecodeError, and ints past int()'s digit limit
        return None, str(error)


def key_line(text: str, key: str, table: tuple[str, ...] = ()) -> int | None:
    """The line (from 1) where `key` is set inside `table` (`("tool", "peft-lint")`; () for the
    document's top level), read from the text: `key = ...`, or a `[table.key]` header."""
    import re

    inside = not table
    dotted = ".".join(table)
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$")
    assignment = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        found = header.match(line)
        if found:
            name = found.group(1).replace('"', "").replace("'", "").replace(" ", "")
            if name == (f"{dotted}.{key}" if dotted else key):
                return number
            inside = name == dotted
            continue
        if inside and assignment.match(line):
            return number
    return None
