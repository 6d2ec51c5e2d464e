"""DeepSpeed: versions known to peft-lint (no rule reads its behaviour yet)."""

from __future__ import annotations

PACKAGE = "deepspeed"
KNOWN_VERSIONS = ["0.14.5", "0.15.4", "0.16.9", "0.17.6", "0.18.3", "0.19.8"]
