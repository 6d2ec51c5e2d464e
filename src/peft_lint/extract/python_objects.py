"""Objects the Python front-end tracks through a script, with their identity.

A model is one object from `from_pretrained` on: `get_peft_model` wraps it in a
new object whose `base` is the old one, and every call that changes checkpointing
or input gradients is recorded on the object it was made on, in program order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from peft_lint.facts.model import Fact, MethodSignature, Span
from peft_lint.facts.values import DictValue, ListValue, Unknown, Value

_sequence = itertools.count()


def next_sequence() -> int:
    return next(_sequence)


# The arms of branches the interpreter is in: (branch site, arm) pairs, outermost first. Two
# things made on different arms of one branch never both happen in a run.
_branch_path: list[tuple[int, int]] = []


def current_branch_path() -> tuple[tuple[int, int], ...]:
    return tuple(_branch_path)


def enter_arm(site: int, arm: int) -> None:
    _branch_path.append((site, arm))


def leave_arm() -> None:
    _branch_path.pop()


def exclusive(first: tuple[tuple[int, int], ...], second: tuple[tuple[int, int], ...]) -> bool:
    """Whether two branch paths lie on different arms of one branch (never both in one run)."""
    arms = dict(first)
    return any(site in arms and arms[site] != arm for site, arm in second)


@dataclass(eq=False, repr=False)
class Event:
    kind: str  # gc-enable, input-grads, kbit-prepare, escape
    span: Span | None
    sequence: int
    conditional: bool
    kwargs: Value | None = None
    detail: str = ""
    branch_path: tuple[tuple[int, int], ...] = field(default_factory=current_branch_path)


@dataclass(eq=False, repr=False)
class TrackedModel:
    kind: str  # "base" or "peft"
    span: Span | None
    class_name: Fact[str]
    quantized: Fact[bool]
    model_id: Value | None = None
    base: TrackedModel | None = None
    adapter: AdapterConfig | None = None
    created: int = field(default_factory=next_sequence)
    # built by a direct call (TrainingArguments(...)), not by a parser or a subclass
    from_call: bool = False
    events: list[Event] = field(default_factory=list)
    from_saved_adapter: bool = False
    # PeftModel.from_pretrained(is_trainable=...): None for adapters made by get_peft_model
    adapter_trainable: Fact[bool] | None = None
    # keyword arguments of the from_pretrained call that loaded it
    load_kwargs: DictValue | None = None
    branch_path: tuple[tuple[int, int], ...] = field(default_factory=current_branch_path)

    def chain(self) -> list[TrackedModel]:
        """This model and the models it wraps, outermost first."""
        models: list[TrackedModel] = []
        current: TrackedModel | None = self
        while current is not None and current not in models:
            models.append(current)
            current = current.base
        return models

    def root(self) -> TrackedModel:
        return self.chain()[-1]

    def all_events(self) -> list[Event]:
        events = [event for model in self.chain() for event in model.events]
        return sorted(events, key=lambda event: event.sequence)


@dataclass(eq=False, repr=False)
class AdapterConfig:
    canonical: str
    method: str
    span: Span | None
    kwargs: DictValue


@dataclass(eq=False, repr=False)
class TrainingArgs:
    canonical: str
    span: Span | None
    values: DictValue
    # attribute assignments after construction: (key, value, span)
    assigned_after_init: list[tuple[str, Value, Span | None]] = field(default_factory=list)
    created: int = field(default_factory=next_sequence)
    # built by a direct call (TrainingArguments(...)), not by a parser or a subclass
    from_call: bool = False


@dataclass(eq=False, repr=False)
class ParsedConfig:
    """A config file or dict given to HfArgumentParser.parse_yaml_file / parse_json_file / parse_dict."""

    types: list[Value]
    values: DictValue
    span: Span | None
    via: str = "parser"  # "trl-config": the YAML of TrlParser's --config flag


@dataclass(eq=False, repr=False)
class UserDataclass:
    name: str
    values: DictValue


@dataclass(eq=False, repr=False)
class ArgumentParser:
    span: Span | None
    types: list[Value]


@dataclass(eq=False, repr=False)
class TrainerObject:
    canonical: str
    span: Span | None
    model: Value | None
    args: Value | None
    peft_config: Value | None
    callbacks: list[Value] = field(default_factory=list)
    trained: bool = False
    trained_at: int | None = None
    save_model_spans: list[Span] = field(default_factory=list)
    local_class: str | None = None
    # the project class's own `compute_loss`, when it (or a project base) overrides it
    compute_loss: MethodSignature | None = None
    # the eval_dataset given (None: not given; Unknown: it may be, through `**` or positions)
    eval_dataset: Value | None = None
    # the keywords the call names (written, or keys of a dict it unpacks), where each is written
    keywords: tuple[tuple[str, Span], ...] = ()
    # made on one arm of a branch the script decides at run time
    conditional: bool = False
    # the project class (or a project base) defines its own __init__ (its keywords are its own)
    own_init: bool = False
    # the data_collator given (None: not given)
    data_collator: Value | None = None
    # the processing_class (or the older tokenizer=) given (None: not given)
    processing_class: Value | None = None
    # the `optimizers=(optimizer, scheduler)` given (None: not given)
    optimizers: Value | None = None


@dataclass(eq=False, repr=False)
class LibraryImport:
    """`from <package> import <name>` of a library whose exports peft-lint knows (trl, peft)."""

    package: str
    name: str
    span: Span
    # inside a `try` that catches the ImportError, or on an arm the script decides at run time
    guarded: bool


@dataclass(eq=False, repr=False)
class QuantizationConfig:
    canonical: str
    span: Span | None
    kwargs: DictValue


@dataclass(eq=False, repr=False)
class DistributedWrapper:
    """torch DistributedDataParallel(model, ...) or accelerator.prepare(model)."""

    inner: Value
    span: Span | None
    find_unused: Fact[bool]
    static_graph: Fact[bool]
    via: str


@dataclass(eq=False, repr=False)
class AcceleratorObject:
    span: Span | None
    find_unused: Fact[bool]
    static_graph: Fact[bool]


@dataclass(eq=False, repr=False)
class DdpKwargsHandler:
    find_unused: Fact[bool]
    static_graph: Fact[bool]


@dataclass(eq=False, repr=False)
class OpenFile:
    path: Value


@dataclass(eq=False, repr=False)
class Embeddings:
    model: TrackedModel


@dataclass(eq=False, repr=False)
class Tokenizer:
    span: Span | None
    # a multimodal processor (AutoProcessor, Gemma3Processor, ...), not a text tokenizer
    processor: bool = False
    added_tokens: list[Span] = field(default_factory=list)
    # where `tokenizer.pad_token = tokenizer.eos_token` (or the *_id pair) made the pad the EOS,
    # and whether that ran on one arm of a branch decided at run time; None: not (or undone)
    pad_is_eos: Span | None = None
    pad_is_eos_conditional: bool = False
    # where the examples get its EOS token: `add_eos_token=True` at the load, or the script adding
    # `tokenizer.eos_token` (or `[tokenizer.eos_token_id]`) to a text or id list
    eos_appended: Span | None = None


@dataclass(eq=False, repr=False)
class SpecialToken:
    """`tokenizer.eos_token` (or `eos_token_id`) of a tracked tokenizer, as a value."""

    tokenizer: Tokenizer
    role: str  # "eos"


@dataclass(eq=False, repr=False)
class DataCollator:
    """A transformers data collator the script builds (DataCollatorForLanguageModeling)."""

    canonical: str
    span: Span | None
    tokenizer: Value | None
    mlm: Value | None  # None: not written (the class default, True)


@dataclass(eq=False, repr=False)
class LocalFunction:
    name: str
    node: object  # ast.FunctionDef
    scope: object  # the Scope it was defined in
    path: str = ""  # the file it is defined in ("" for the script being read)


@dataclass(eq=False, repr=False)
class LocalClass:
    name: str
    node: object  # ast.ClassDef
    bases: list[str]  # canonical names of known bases, transitively
    scope: object
    local_bases: list[LocalClass] = field(default_factory=list)
    path: str = ""  # the file it is defined in ("" for the script being read)
    # a base that is neither a known class nor one defined in the project (its fields unseen)
    unknown_bases: bool = False


@dataclass(eq=False, repr=False)
class LocalModule:
    """A module of the project the script imports, read (never imported) from its file."""

    name: str  # dotted, as imported
    path: str  # its file, as shown
    scope: object  # the Scope its top level made


@dataclass(eq=False, repr=False)
class Instance:
    """An object of a class defined in the script; `self.x = ...` is kept."""

    cls: LocalClass
    attributes: dict[str, Value] = field(default_factory=dict)


@dataclass(eq=False, repr=False)
class BoundMethod:
    instance: Instance
    function: LocalFunction


def find_method(cls: LocalClass, name: str) -> LocalFunction | None:
    """A method defined in the class or in a base class defined in the script."""
    import ast

    node = cls.node
    if isinstance(node, ast.ClassDef):
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
                return LocalFunction(name, item, cls.scope, cls.path)
    for base in cls.local_bases:
        found = find_method(base, name)
        if found is not None:
            return found
    return None


TrackedObject = (TrackedModel | AdapterConfig | TrainingArgs | UserDataclass | ArgumentParser | Tokenizer
                 | TrainerObject | QuantizationConfig | DistributedWrapper | AcceleratorObject
                 | DdpKwargsHandler | OpenFile | Embeddings | LocalFunction | LocalClass | Instance
                 | BoundMethod)


@dataclass(eq=False, repr=False)
class ObjectValue(Value):
    obj: TrackedObject


def unwrap_model(value: Value | None) -> TrackedModel | None:
    """The tracked model behind a value, through DDP / accelerate wrappers."""
    seen = 0
    while isinstance(value, ObjectValue) and seen < 10:
        seen += 1
        if isinstance(value.obj, TrackedModel):
            return value.obj
        if isinstance(value.obj, DistributedWrapper):
            value = value.obj.inner
            continue
        return None
    return None


def unknown(span: Span | None, reason: str) -> Unknown:
    return Unknown(span, reason)


def as_list(value: Value | None) -> list[Value]:
    if isinstance(value, ListValue):
        return value.items
    return []
