"""What assembling one run shares: the run unit, its resolved versions and options."""

from __future__ import annotations

from dataclasses import dataclass, field

from peft_lint.facts.model import (
    ResolvedVersion,
)
from peft_lint.inputs.files import SourceFile
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


def unparsed_config(context: Context, name: str) -> SourceFile | None:
    """A config file of the run with this name that failed to parse (reported as PFT903)."""
    return next((file for file in context.unit.files if file.absolute.name == name
                 and file.kind in ("yaml", "json") and file.problem is not None), None)
