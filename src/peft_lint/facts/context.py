"""What assembling one run shares: the run unit, its resolved versions and options."""

from __future__ import annotations

from dataclasses import dataclass, field

from peft_lint.facts.model import (
    ResolvedVersion,
)
from peft_lint.inputs.units import RunUnit

NEVER = 1 << 62


@dataclass
class Options:
    world_size: int | None = None


@dataclass
class Context:
    unit: RunUnit
    versions: dict[str, ResolvedVersion]
    notes: list[str] = field(default_factory=list)
    accelerate_config: object = None
    dialects: set[str] = field(default_factory=set)  # of the script being assembled

    def version(self, package: str) -> str:
        return self.versions[package].version

    def label(self, package: str) -> str:
        return f"{package} {self.version(package)}"
