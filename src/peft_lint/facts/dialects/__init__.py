"""Framework configs and command lines read natively: the same setup facts a script gives, from
a framework's own files and flags. One module per framework: `llamafactory`, `axolotl`,
`swift` (ms-swift's command line)."""

from __future__ import annotations

from peft_lint.facts.dialects.axolotl import AXOLOTL, assemble_axolotl
from peft_lint.facts.dialects.llamafactory import FRAMEWORK, assemble_llamafactory
from peft_lint.facts.dialects.swift import SWIFT, assemble_swift

__all__ = ["AXOLOTL", "FRAMEWORK", "SWIFT", "assemble_axolotl", "assemble_llamafactory", "assemble_swift"]
