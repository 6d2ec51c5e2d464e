"""`peft-lint explain`: the training setup as peft-lint resolved it, each fact with its origin."""

from __future__ import annotations

import json

from peft_lint.engine.runner import LintResult
from peft_lint.facts.model import Fact, TrainingSetup, describe_version_source


def setup_facts(setup: TrainingSetup) -> list[tuple[str, list[tuple[str, Fact[object]]]]]:
    """The facts of one run, grouped as a user reads them."""
    adapter = [("method", setup.adapter.method), *sorted(setup.adapter.kwargs.items())]
    distributed = setup.distributed
    groups: list[tuple[str, list[tuple[str, Fact[object]]]]] = [
        ("trainer", [("trainer", setup.trainer.kind), ("trains in this run", setup.trains_here),
                     ("model is a PEFT model", setup.trainer.model_is_peft)]),
        ("model", [("class", setup.model.class_name), ("model_type", setup.model.model_type),
                   ("weights dtype", setup.model.weights_dtype), ("quantized", setup.model.quantized)]),
        ("adapter", adapter),
        ("gradient checkpointing", [("enabled", setup.checkpointing.enabled),
                                    ("use_reentrant", setup.checkpointing.use_reentrant),
                                    ("inputs require grad", setup.checkpointing.input_grads)]),
        ("processes", [("world size", distributed.world_size), ("strategy", distributed.strategy),
                       ("find_unused_parameters", distributed.find_unused_parameters),
                       ("static_graph", distributed.static_graph),
                       *[(f"launcher {name}", fact)
                         for name, fact in distributed.launcher_variables.items()]]),
    ]
    if setup.deepspeed is not None:
        groups.append(("deepspeed", [("zero stage", setup.deepspeed.zero_stage),
                                     ("arguments built before the model load",
                                      setup.deepspeed.args_before_load)]))
    if setup.adapter.method.is_("adalora"):
        groups.append(("adalora rank allocation", _allocation(setup)))
    groups.append(("training arguments", _training_arguments(setup)))
    return groups


def _allocation(setup: TrainingSetup) -> list[tuple[str, Fact[object]]]:
    """AdaLoRA's update_and_allocate as the rules read it (PFT401/PFT402): each call and whether
    it runs, and whether code peft-lint cannot read may call it."""
    rows: list[tuple[str, Fact[object]]] = []
    for call in setup.allocation_calls:
        where = f"update_and_allocate in {call.context}"
        if call.never_runs:
            rows.append(("call", Fact.derived(f"{where}: never runs", call.never_runs, call.span)))
        else:
            shown = f"{where}{' after zero_grad' if call.after_zero_grad else ''}"
            rows.append(("call", Fact.written(shown, call.span)))
    if not setup.allocation_calls:
        rows.append(("call", Fact.derived("none", "no update_and_allocate call in the files of this run, and "
                                          "no Trainer calls it", None)
                     if setup.allocation_elsewhere.is_(False) else
                     Fact.unknown("no update_and_allocate call in the files of this run")))
    rows.append(("called by code not read", setup.allocation_elsewhere))
    return rows


def _training_arguments(setup: TrainingSetup) -> list[tuple[str, Fact[object]]]:
    """The arguments the rules read; defaults only for fields the resolved version has."""
    from peft_lint.knowledge import fields

    versions = {package: resolved.version for package, resolved in setup.versions.items()}
    known = fields.fields("transformers.TrainingArguments", versions)
    return [(key, fact) for key, fact in sorted(setup.training_arguments.items())
            if fact.origin.kind != "default" or known is None or key in known]


def _value(fact: Fact[object]) -> object:
    from peft_lint.facts.values import Value, plain

    value = fact.value
    if isinstance(value, Value):
        return plain(value)
    if isinstance(value, bool | int | float | str | list | tuple | dict) or value is None:
        return value
    return getattr(value, "name", type(value).__name__)


def _origin(fact: Fact[object]) -> str:
    if not fact.known:
        where = f" ({fact.origin.span.label()})" if fact.origin.span else ""
        return f"unknown: {fact.origin.detail}{where}"
    if fact.origin.kind == "written":
        return f"written at {fact.origin.describe()}"
    return f"{fact.origin.kind}: {fact.origin.describe()}"


def _run_name(setup: TrainingSetup, number: int) -> str:
    span = setup.trainer.span or setup.model.span or setup.adapter.config_span
    return f"run {number}: {span.path}" if span else f"run {number}"


def render_explain(result: LintResult) -> str:
    blocks: list[str] = []
    for number, setup in enumerate(result.setups, start=1):
        lines = [_run_name(setup, number)]
        for title, facts in setup_facts(setup):
            lines.append(f"  {title}")
            for label, fact in facts:
                shown = json.dumps(_value(fact), default=str) if fact.known else "?"
                lines.append(f"    {label:<38} {shown:<24} {_origin(fact)}")
        lines.append("  versions")
        for package, resolved in setup.versions.items():
            source = describe_version_source(resolved.source)
            lines.append(f"    {package:<38} {resolved.version:<24} {source}")
        blocks.append("\n".join(lines))
    if not blocks:
        return "no training run found in these files\n"
    return "\n\n".join(blocks) + "\n"


def render_explain_json(result: LintResult) -> str:
    runs = []
    for number, setup in enumerate(result.setups, start=1):
        groups = {title: {label: {"known": fact.known, "value": _value(fact) if fact.known else None,
                                  "origin": fact.origin.kind, "detail": fact.origin.detail,
                                  "path": fact.origin.span.path if fact.origin.span else None,
                                  "line": fact.origin.span.line if fact.origin.span else None}
                          for label, fact in facts}
                  for title, facts in setup_facts(setup)}
        runs.append({"run": _run_name(setup, number), "facts": groups,
                     "versions": {package: {"version": resolved.version, "source": resolved.source}
                                  for package, resolved in setup.versions.items()}})
    return json.dumps({"runs": runs}, indent=2, default=str) + "\n"
