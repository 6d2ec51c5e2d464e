"""What peft-lint could not determine about a run, said in the output."""

from __future__ import annotations

from peft_lint.facts.model import Fact, TrainingSetup


def undetermined(setup: TrainingSetup) -> list[str]:
    if not setup.trains_here.known and not setup.trainer.model_is_peft.known:
        return list(setup.notes)  # nothing here is about training: no facts to miss
    facts: list[tuple[str, Fact[object]]] = []
    if setup.trainer.model_is_peft.is_(True):
        facts.append(("the trainer", setup.trainer.kind))  # type: ignore[arg-type]
    if setup.trainer.model_is_peft.is_(True):
        facts.append(("the adapter method", setup.adapter.method))  # type: ignore[arg-type]
    facts.append(("whether checkpointing is on", setup.checkpointing.enabled))  # type: ignore[arg-type]
    if setup.checkpointing.enabled.is_(True):
        facts.append(("the checkpointing variant (use_reentrant)",
                      setup.checkpointing.use_reentrant))  # type: ignore[arg-type]
        facts.append(("whether inputs require grad", setup.checkpointing.input_grads))  # type: ignore[arg-type]
    if not setup.checkpointing.enabled.is_(False):
        # only the checkpointing rules depend on how many processes run
        facts.append(("the number of processes", setup.distributed.world_size))  # type: ignore[arg-type]
    lines = [f"could not determine {label}: {fact.origin.describe()}"
             for label, fact in facts if not fact.known]
    return lines + setup.notes
