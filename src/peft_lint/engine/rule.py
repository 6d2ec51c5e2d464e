"""The rule base class. A rule is one class in `rules/<folder>/rule.py`.

Metadata are class attributes, documentation is the class docstring (fixed
sections, see REQUIRED_SECTIONS), and `check()` is a pure function of the
`TrainingSetup` that yields diagnostics. Rules never read files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from peft_lint.engine.diagnostic import Diagnostic, Fix, Related, Severity
from peft_lint.facts.model import Span, TrainingSetup

DOCS_URL = "https://github.com/peft-lint/peft-lint/blob/main/docs/rules/{name}.md"
# In this order in every docstring: scripts/gen_docs.py and `peft-lint rule CODE` print the
# docstring as written. "What makes it certain" names the facts that must be known for the rule
# to fire at its severity, what it does when one is Unknown, and the versions it was checked for.
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead",
                     "When it does not apply", "What makes it certain", "Fix safety", "References")


@dataclass(frozen=True)
class Claim:
    """What a real run shows when the rule fires; the repro tier checks it.

    effect: "error" (the exception contains `text`), "adapter-untrained" (training runs
    but the adapter tensors inside the checkpointed blocks never change),
    "no-rank-allocation" (training runs, AdaLoRA's rank_pattern stays None),
    "empty-adapter" (the saved adapter file holds no tensor), "orig-mod-keys" (the saved
    adapter keys carry torch.compile's `_orig_mod.` prefix), "head-untrained" (the
    classification head does not change during training) or "new-rows-untrained" (the
    embedding rows of added tokens do not change).
    marker: the claim applies to a diagnostic whose message contains it ("" = always).
    """

    effect: str
    text: str = ""
    marker: str = ""


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity]
    # pytest node id of the reproduction against the real libraries, or why none runs on a CPU
    reproduction: ClassVar[str] = ""
    reproduction_exempt: ClassVar[str] = ""
    claims: ClassVar[tuple[Claim, ...]] = ()

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        raise NotImplementedError

    @classmethod
    def docs(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def sections(cls) -> dict[str, str]:
        sections: dict[str, str] = {}
        current = None
        for line in cls.docs().splitlines():
            heading = re.match(r"^##\s+(.*?)\s*$", line)
            if heading:
                current = heading.group(1)
                sections[current] = ""
            elif current is not None:
                sections[current] += line + "\n"
        return {key: value.strip() for key, value in sections.items()}

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(name=cls.name)

    def diagnostic(self, span: Span, message: str, *, help: str = "",
                   related: list[Related] | None = None, fix: Fix | None = None) -> Diagnostic:
        return Diagnostic(self.code, self.name, self.severity, message, span,
                          related or [], help, fix, self.url())


def related(span: Span | None, message: str) -> list[Related]:
    """A related location, or nothing when the fact has no span (a default)."""
    return [Related(span, message)] if span is not None else []


class InputRule(Rule):
    """A meta rule about peft-lint's own inputs (unreadable files, suppression comments):
    the runner reports it, since it sees every file; it has no library claim to reproduce."""

    reproduction_exempt: ClassVar[str] = \
        "a meta rule about peft-lint's own input; no library behaviour to reproduce"

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        return iter(())
