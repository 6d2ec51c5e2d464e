"""What the Python front-end's parts share: the facts a script gives, its scopes, the
config resolver, and the interpreter's interface that library models call back into.

Library models (`library_calls`, `cli_parsers`) depend on this module, never on the
interpreter itself: the arrows point down.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from peft_lint.extract.python_objects import (
    DistributedWrapper,
    Event,
    LibraryImport,
    LocalClass,
    LocalFunction,
    ObjectValue,
    ParsedConfig,
    QuantizationConfig,
    Tokenizer,
    TrackedModel,
    TrainerObject,
    TrainingArgs,
    UserDataclass,
)
from peft_lint.facts.model import Span
from peft_lint.facts.values import DictValue, ListValue, Unknown, Value


@dataclass
class ScriptFacts:
    """What one script does, as the interpreter saw it."""

    path: str
    models: list[TrackedModel] = field(default_factory=list)
    adapter_configs: list[ObjectValue] = field(default_factory=list)
    training_args: list[TrainingArgs] = field(default_factory=list)
    trainers: list[TrainerObject] = field(default_factory=list)
    wrappers: list[DistributedWrapper] = field(default_factory=list)
    kbit_calls: list[tuple[Span, TrackedModel | None, Event | None]] = field(default_factory=list)
    quantization_configs: list[QuantizationConfig] = field(default_factory=list)
    parsed_configs: list[ParsedConfig] = field(default_factory=list)
    tokenizers: list[Tokenizer] = field(default_factory=list)
    backward_spans: list[Span] = field(default_factory=list)
    backward_sequences: list[int] = field(default_factory=list)  # when each backward() ran
    config_paths: list[str] = field(default_factory=list)
    classes: dict[int, LocalClass] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # front ends that patch the libraries when imported ("unsloth")
    dialects: set[str] = field(default_factory=set)
    # the project's own modules the script imports, read with it (paths as shown)
    module_paths: list[str] = field(default_factory=list)
    # `from trl import X` / `from peft import X` statements (names checked against the release)
    library_imports: list[LibraryImport] = field(default_factory=list)

    def size(self) -> tuple[int, ...]:
        """How much the interpretation has recorded (to tell a module that only defines things)."""
        return (len(self.models), len(self.adapter_configs), len(self.training_args), len(self.trainers),
                len(self.wrappers), len(self.kbit_calls), len(self.quantization_configs),
                len(self.parsed_configs), len(self.tokenizers), len(self.backward_spans),
                len(self.config_paths), len(self.notes), len(self.dialects), len(self.library_imports))

@dataclass
class ConfigResolver:
    """Answers which parsed config a path in the script stands for."""

    lookup: Callable[[str | None], tuple[Value, str] | None]


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.names: dict[str, Value] = {}
        self.parent = parent

    def get(self, name: str) -> Value | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None




def splat_into(target: DictValue, value: Value) -> None:
    if isinstance(value, DictValue):
        target.entries.update(value.entries)
        target.key_spans.update(value.key_spans)
        target.complete = target.complete and value.complete
    elif isinstance(value, ObjectValue) and isinstance(value.obj, UserDataclass | TrainingArgs):
        inner = value.obj.values
        target.entries.update(inner.entries)
        target.complete = target.complete and inner.complete
    else:
        target.complete = False
        if isinstance(value, Unknown) and target.unknown_part is None:
            target.unknown_part = value


class Interpreter(Protocol):
    """What library models may use of the interpreter running a script."""

    path: str
    tree: ast.Module
    facts: ScriptFacts
    resolver: ConfigResolver
    argv: ListValue | None
    environment: dict[str, str] | None
    module_scope: Scope
    resume_only: set[int]
    training_arg_default: Callable[[str, str], object | None]

    def span(self, node: ast.AST) -> Span: ...

    def eval(self, node: ast.expr, scope: Scope) -> Value: ...

    def record(self, model: TrackedModel, kind: str, span: Span, kwargs: Value | None = None,
               detail: str = "") -> Event: ...

    def escape(self, args: list[Value], kwargs: DictValue, span: Span, where: str) -> None: ...

    def call_function(self, function: LocalFunction, args: list[Value], kwargs: DictValue,
                      node: ast.AST, entry: bool = False) -> Value: ...
