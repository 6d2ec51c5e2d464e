"""The resolved training setup: tri-state facts, each with the place it came from.

A `Fact` is either known (a value the user wrote, or a library default for the
resolved version, or derived from other facts) or `Unknown` with a reason. Rules
fire only on known facts; the reasons of unknown facts are shown to the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # a pydantic model, imported only by runs with a DeepSpeed config
    from peft_lint.facts.deepspeed_config import DeepSpeedConfig

T = TypeVar("T")


@dataclass(frozen=True, repr=False)
class Span:
    """A region of a file: 1-based lines, 1-based columns, end exclusive."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    # in a notebook: the cell (counted over all cells, from 1) and the line inside it
    cell: int | None = None
    cell_line: int | None = None

    def label(self) -> str:
        if self.cell is not None:
            return f"{self.path}:cell {self.cell}:line {self.cell_line}"
        return f"{self.path}:{self.line}"

    def position(self) -> str:
        """Where a finding starts, as linters print it (`train.py:12:5`)."""
        return self.label() if self.cell is not None else f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, repr=False)
class Origin:
    """Where a fact came from.

    kind is one of: "written" (span is where the user wrote it), "default"
    (detail names the library and version), "derived" (detail says from what;
    span points at the deciding place when there is one), "cli", "unknown".
    """

    kind: str
    detail: str = ""
    span: Span | None = None

    def describe(self) -> str:
        if self.kind == "written" and self.span is not None:
            return self.span.label()
        if self.span is not None and self.detail:
            return f"{self.detail} ({self.span.label()})"
        return self.detail or self.kind


@dataclass(frozen=True, repr=False)
class Fact(Generic[T]):
    value: T | None
    known: bool
    origin: Origin

    @staticmethod
    def written(value: T, span: Span | None) -> Fact[T]:
        return Fact(value, True, Origin("written", span=span))

    @staticmethod
    def default(value: T, detail: str, span: Span | None = None) -> Fact[T]:
        return Fact(value, True, Origin("default", detail, span))

    @staticmethod
    def derived(value: T, detail: str, span: Span | None = None) -> Fact[T]:
        return Fact(value, True, Origin("derived", detail, span))

    @staticmethod
    def unknown(reason: str, span: Span | None = None) -> Fact[T]:
        return Fact(None, False, Origin("unknown", reason, span))

    def is_(self, value: object) -> bool:
        """True only when the fact is known and equals value."""
        return self.known and self.value == value

    @property
    def span(self) -> Span | None:
        return self.origin.span


UNKNOWN_NOT_FOUND = "not found in the files of this run"


@dataclass(repr=False)
class ModelLoad:
    """The base model as the script loads it."""

    class_name: Fact[str] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    main_input_name: Fact[str] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    quantized: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    model_type: Fact[str] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    # the dtype the weights arrive in: "float16", "bfloat16" or "float32"
    weights_dtype: Fact[str] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    span: Span | None = None


@dataclass(repr=False)
class AdapterSpec:
    """The PEFT adapter that is trained."""

    method: Fact[str] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    config_span: Span | None = None
    kwargs: dict[str, Fact[object]] = field(default_factory=dict)
    kwargs_complete: bool = True
    # True when something outside the checkpointed decoder blocks is trainable
    # (a head in modules_to_save, SEQ_CLS task, AdaLoRA's regulariser ...).
    trains_outside_blocks: Fact[bool] = field(
        default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND)
    )


@dataclass(frozen=True, repr=False)
class ReentrantSetting:
    """Where the run could say `use_reentrant: false` when its variant comes from a default.

    kind "call": a Python call (span covers it) that takes `text` as one more keyword argument;
    "yaml-below": a new YAML line `text` below the line of `span`; "yaml-end": a new top-level
    key `text` at the end of the YAML file of `span`.
    """

    kind: str
    span: Span
    text: str


@dataclass(repr=False)
class Checkpointing:
    """Activation (gradient) checkpointing as it is in force during training."""

    enabled: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    use_reentrant: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    input_grads: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    # set only when use_reentrant is a default that one written setting would change
    reentrant_setting: ReentrantSetting | None = None


@dataclass(repr=False)
class Distributed:
    world_size: Fact[int] = field(default_factory=lambda: Fact.unknown("no launcher in this run"))
    # "ddp", "deepspeed", "fsdp" or "none" (single process)
    strategy: Fact[str] = field(default_factory=lambda: Fact.unknown("no launcher in this run"))
    find_unused_parameters: Fact[bool] = field(
        default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND)
    )
    static_graph: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    launcher_span: Span | None = None
    # the launcher's variables its command expands (`$GPUS_PER_NODE`), each where it was set
    launcher_variables: dict[str, Fact[object]] = field(default_factory=dict)


@dataclass(repr=False)
class AllocationCall:
    """A call of AdaLoRA's update_and_allocate and where it sits."""

    span: Span
    context: str  # "loop", "callback:<hook>", "trainer-override:<method>", "function"
    after_zero_grad: bool = False
    never_runs: str = ""  # non-empty: why the call can never run


@dataclass(repr=False)
class KbitPrepareCall:
    span: Span
    on_peft_model: Fact[bool]
    model_quantized: Fact[bool]
    peft_wrap_span: Span | None = None
    model_load_span: Span | None = None


@dataclass(repr=False)
class DiscardedResult:
    """`model.merge_and_unload()` as a statement, and the save of that model after it."""

    span: Span
    method: str
    later_save: Span | None = None


@dataclass(repr=False)
class AdapterLoad:
    """A trained adapter loaded with PeftModel / AutoPeftModel.from_pretrained."""

    span: Span
    is_trainable: Fact[bool]


@dataclass(repr=False)
class CallArguments:
    """A library call and the keyword arguments written in it, as facts."""

    canonical: str
    span: Span
    kwargs: dict[str, Fact[object]] = field(default_factory=dict)
    # False when `**kwargs` computed at run time may add more
    complete: bool = True

    def get(self, key: str) -> Fact[object] | None:
        """The written value, None when known absent, Unknown when it may be present."""
        if key in self.kwargs:
            return self.kwargs[key]
        return None if self.complete else Fact.unknown(f"`{key}` may be passed through `**` arguments",
                                                       self.span)


@dataclass(repr=False)
class DeepSpeedSetup:
    """The DeepSpeed config the Trainer gets, when the files of the run name one."""

    config: DeepSpeedConfig  # typed (facts/deepspeed_config.py)
    span: Span
    zero_stage: Fact[int]
    # TrainingArguments (which activates ZeRO-3 for from_pretrained) built before the model load
    args_before_load: Fact[bool]
    # what DeepSpeed's own models validate: the JSON's unknown keys and refused values
    unknown_keys: list[KeyCheck] = field(default_factory=list)
    rejected: list[RejectedValue] = field(default_factory=list)


@dataclass(repr=False)
class KeyCheck:
    """Keys given to a config class (or to HfArgumentParser) that it does not have."""

    target: str  # "TrainingArguments", "HfArgumentParser(ModelArguments, TrainingArguments)", ...
    via: str  # "call" (TypeError in __init__) or "parser" (HfArgumentParser ValueError)
    unknown: list[tuple[str, Span]]
    allowed: frozenset[str]
    package: str  # whose release decides the fields; "trl+transformers" when both do
    classes: tuple[str, ...] = ()  # the canonical classes checked (`transformers.TrainingArguments`)
    # "cli-flags": the value each unknown flag was given, as written (True for a bare flag)
    values: dict[str, object] = field(default_factory=dict)
    # "deepspeed": what the model's pydantic API says of an unknown key
    refusal: str = ""


@dataclass(repr=False)
class ValueCheck:
    """A config value of the wrong kind, and how the run reads it."""

    target: str  # "TrainingArguments", "SFTConfig"
    key: str
    value: object  # as the run holds it (a str for YAML 1.1's "5e-5")
    span: Span | None
    # "yaml" (a YAML file, read with yaml.safe_load or HfArgumentParser) or "python" (written)
    written_in: str
    # how the arguments are built: "call" (Class(**values)) or "parser" (parse_yaml_file/dict)
    via: str


@dataclass(repr=False)
class RejectedValue:
    """A written config value the library refuses at run time, found by validating the config
    with its generated model (knowledge/config_models.py)."""

    target: str  # "TrainingArguments", "LoraConfig"
    key: str
    value: object
    span: Span | None
    # "argv" (a command-line flag argparse checks) or "construct" (the class built from values)
    route: str
    kind: str  # "choice" or "range"
    error: str  # the exception text the run stops with (its start, where it goes on)
    allowed: tuple[str, ...]  # the accepted values of a "choice"
    written_in: str  # "yaml", "json", "python" or "shell"
    package: str  # the library whose release decides it ("transformers" for an inherited field)


@dataclass(repr=False)
class CheckpointOverride:
    """A manual checkpointing call whose kwargs the Trainer replaces at train()."""

    manual_span: Span
    manual_reentrant: Fact[bool]
    trainer_reentrant: Fact[bool]


@dataclass(repr=False)
class TrainerUse:
    kind: Fact[str] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    span: Span | None = None
    model_is_peft: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    peft_wrap_span: Span | None = None
    # the trainer wraps the model itself (a TRL trainer given peft_config)
    wraps_adapter: bool = False
    # a PEFT model handed to a trainer that is also given peft_config: (model's wrap span)
    already_wrapped_span: Span | None = None
    # the project trainer class's own compute_loss (or a project base's), as its `def` reads
    compute_loss: MethodSignature | None = None
    # whether the trainer is given an eval_dataset (None as a value counts as not given)
    eval_dataset_given: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    # a transformers DataCollatorForLanguageModeling given as data_collator
    lm_collator: CollatorUse | None = None
    # a data_collator given to the trainer (where written)
    collator_given: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    # `optimizers=(optimizer, scheduler)` with either one set (where written)
    optimizers_given: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    # the batches carry a text tokenizer's inputs only (input_ids, attention_mask, labels; no
    # token_type_ids): a transformers LM collator, or TRL's SFT collator, on a text tokenizer
    text_batches: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))


@dataclass(frozen=True, repr=False)
class CollatorUse:
    """The language-modeling collator a trainer is given, and its tokenizer's padding."""

    canonical: str
    span: Span | None
    mlm: Fact[bool]
    # the collator's tokenizer pads with its EOS token (`pad_token = eos_token`, where written)
    pad_is_eos: Fact[bool]
    # the examples contain that EOS (add_eos_token=True, or the script appends tokenizer.eos_token)
    eos_in_examples: Fact[bool]


@dataclass(frozen=True, repr=False)
class MethodSignature:
    """A method a project class defines over a library's, as its `def` reads."""

    owner: str  # the class that defines it
    parameters: tuple[str, ...]  # `self` included
    var_kwargs: bool
    span: Span


@dataclass(frozen=True, repr=False)
class RemovedName:
    """One keyword or imported name the resolved release does not have."""

    name: str
    span: Span
    last_release: str | None  # the newest release before the resolved one that had it
    replacement: str = ""  # what to write instead, as code ("" when nothing replaces it)
    replacement_kind: str = ""  # "renamed", "config", "moved", "advice" or "close" (a near name)
    first_release: str | None = None  # for a name added after the resolved release: where it appeared


@dataclass(repr=False)
class RemovedApi:
    """A library API the run uses that its resolved release does not have: keywords of a
    trainer's constructor (one call) or names of one `from <package> import ...`."""

    kind: str  # "keyword" or "import"
    target: str  # "SFTTrainer", "trl"
    package: str  # whose release decides
    names: tuple[RemovedName, ...]
    config_class: str = ""  # the trainer's arguments class ("SFTConfig"), for moved keywords
    subclass: str = ""  # the project class the call builds, when it keeps the library's __init__


@dataclass(frozen=True, repr=False)
class ResolvedVersion:
    version: str
    source: str  # "cli", "settings", "pin:<file>", "installed", "newest-known"


@dataclass(repr=False)
class TrainingSetup:
    """Everything peft-lint knows about one run unit."""

    versions: dict[str, ResolvedVersion] = field(default_factory=dict)
    model: ModelLoad = field(default_factory=ModelLoad)
    adapter: AdapterSpec = field(default_factory=AdapterSpec)
    # every adapter config the script builds, trained or not
    adapter_configs: list[AdapterSpec] = field(default_factory=list)
    checkpointing: Checkpointing = field(default_factory=Checkpointing)
    distributed: Distributed = field(default_factory=Distributed)
    trainer: TrainerUse = field(default_factory=TrainerUse)
    allocation_calls: list[AllocationCall] = field(default_factory=list)
    # Whether code peft-lint cannot read (an imported callback, a function the model
    # is handed to) could call update_and_allocate.
    allocation_elsewhere: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    # True when the script trains here (a Trainer, or a loop calling backward).
    trains_here: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    kbit_prepare_calls: list[KbitPrepareCall] = field(default_factory=list)
    discarded_results: list[DiscardedResult] = field(default_factory=list)
    # the adapter of the trained model, when it comes from disk
    adapter_load: AdapterLoad | None = None
    # (torch.compile span, get_peft_model span) where the base was compiled before wrapping
    compiled_before_wrap: list[tuple[Span, Span]] = field(default_factory=list)
    # every from_pretrained / from_config call, and every BitsAndBytesConfig (and other
    # quantization configs) built
    load_calls: list[CallArguments] = field(default_factory=list)
    quantization_configs: list[CallArguments] = field(default_factory=list)
    checkpoint_overrides: list[CheckpointOverride] = field(default_factory=list)
    # `args.gradient_checkpointing = ...` after construction that the resolved
    # transformers never reads: (span, key)
    ignored_assignments: list[tuple[Span, str]] = field(default_factory=list)
    # TrainingArguments fields as the trainer gets them (max_steps, ...), by name
    training_arguments: dict[str, Fact[object]] = field(default_factory=dict)
    deepspeed: DeepSpeedSetup | None = None
    # under ZeRO-3: whether the run's Python marks leaf modules itself (set_z3_leaf_modules)
    zero3_leaf_modules_named: Fact[bool] = field(default_factory=lambda: Fact.unknown(UNKNOWN_NOT_FOUND))
    key_checks: list[KeyCheck] = field(default_factory=list)
    # front ends the script imports that patch the libraries ("unsloth")
    dialects: frozenset[str] = frozenset()
    # the adapter-initialization calls (peft knowledge INIT_PREPARATION) the run's Python names
    init_preparations: frozenset[str] = frozenset()
    # trainer keywords and imported names the resolved releases removed (or never had)
    removed_apis: list[RemovedApi] = field(default_factory=list)
    value_checks: list[ValueCheck] = field(default_factory=list)
    rejected_values: list[RejectedValue] = field(default_factory=list)
    # (span, what) for dtype casts of a model loaded quantized
    quantized_casts: list[tuple[Span, str]] = field(default_factory=list)
    # tokens added to a tokenizer, and resize_token_embeddings on the trained model
    added_tokens: list[Span] = field(default_factory=list)
    resizes: list[Span] = field(default_factory=list)
    # dtype casts of the PEFT model after get_peft_model: (span, what)
    peft_casts: list[tuple[Span, str]] = field(default_factory=list)
    # merge_and_unload / merge_adapter calls: (span, method, is the base quantized)
    merges: list[tuple[Span, str, Fact[bool]]] = field(default_factory=list)
    # get_peft_model's own keyword arguments, for the trained model
    wrap_options: CallArguments | None = None
    # the accelerate config of an `accelerate launch` run, as written
    accelerate_config: object = None
    # trainer.save_model(...) calls, and whether the script switches FSDP to a full state dict
    save_model_spans: list[Span] = field(default_factory=list)
    switches_to_full_state_dict: bool = False
    # model.save_pretrained(...) on the trained model after trainer.train()
    saves_after_training: list[Span] = field(default_factory=list)
    # merge_and_unload / merge_adapter on the trained model after trainer.train() (not on one arm
    # of a branch decided at run time): (span, method); and whether the run's Python names a call
    # that gathers sharded parameters (deepspeed.zero.GatheredParameters, FSDP.summon_full_params)
    merges_after_training: list[tuple[Span, str]] = field(default_factory=list)
    gathers_parameters: bool = False
    # `model.state_dict = ... get_peft_model_state_dict(...)` on the trained PEFT model (where),
    # and the saves after it: save_pretrained calls, and the trainer when it saves checkpoints
    state_dict_patch: Span | None = None
    saves_after_patch: list[Span] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def version(self, package: str) -> str:
        return self.versions[package].version

    def version_label(self, package: str) -> str:
        return describe_versions({package: self.versions[package]})


def describe_versions(versions: dict[str, ResolvedVersion]) -> str:
    """`transformers 4.57.6 (pinned in requirements.txt), peft ...`: each version and why."""
    return ", ".join(f"{package} {resolved.version} ({describe_version_source(resolved.source)})"
                     for package, resolved in versions.items())


def describe_version_source(source: str) -> str:
    if source.startswith("pin:"):
        return f"pinned in {source[4:]}"
    if source.startswith("range:"):
        _, file, specifier = source.split(":", 2)
        return f"newest known inside {specifier} in {file}"
    if source.startswith("image:"):
        return f"the launcher's image, {source[6:]}"
    if source.startswith("newest:"):
        return f"installed unpinned in {source[7:]}: newest known"
    if source.startswith("git:"):
        file, _, commit = source[4:].rpartition(":")
        return (f"installed from git commit {commit[:10]} in {file}; its release is not known, "
                "the newest is assumed")
    return {
        "cli": "from --target-version",
        "settings": "from [tool.peft-lint] target-versions",
        "installed": "installed",
        "newest-known": "assumed: newest known",
    }.get(source, source)
