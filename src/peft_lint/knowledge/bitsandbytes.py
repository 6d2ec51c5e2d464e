"""bitsandbytes: versions known to peft-lint (no rule reads its behaviour yet)."""

from __future__ import annotations

PACKAGE = "bitsandbytes"
KNOWN_VERSIONS = ["0.41.3", "0.42.0", "0.43.3", "0.44.1", "0.45.5", "0.46.1", "0.48.2", "0.50.2"]
