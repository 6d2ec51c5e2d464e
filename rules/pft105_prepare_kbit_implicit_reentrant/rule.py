from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import transformers as tf


class PrepareKbitImplicitReentrant(Rule):
    """
    ## What it does
    Finds `prepare_model_for_kbit_training(model)` on a quantized model, without
    `gradient_checkpointing_kwargs`, when nothing enables checkpointing again afterwards (the
    training arguments leave it off, or the script trains in its own loop).

    ## Why is this bad?
    The function turns missing kwargs into `{}` and calls
    `gradient_checkpointing_enable(gradient_checkpointing_kwargs={})`. transformers applies
    its non-reentrant default only when the kwargs are `None`, so torch's own default decides:
    reentrant (torch up to 2.14.1, with a warning). The run therefore uses reentrant
    checkpointing even on transformers 5, which crashes under DDP
    (`reentrant-gc-ddp-find-unused`, `adalora-reentrant-gc-ddp`).

    ## Example
    ```python
    model = prepare_model_for_kbit_training(model)
    ```

    ## Use instead
    ```python
    model = prepare_model_for_kbit_training(
        model, gradient_checkpointing_kwargs={"use_reentrant": False})
    ```

    ## When it does not apply
    One process (a notebook, `--world-size 1`, a launcher with one process): the DDP crash
    cannot happen. Where the number of processes is not known (no launcher among the files),
    the finding is an info, not a warning. transformers < 5.0 (reentrant is the default
    there anyway); a model that is not quantized (the call enables nothing then); explicit
    `gradient_checkpointing_kwargs`; `use_gradient_checkpointing=False`; training arguments
    that turn checkpointing on (the Trainer re-enables it with its own kwargs).

    ## What makes it certain
    Fires only when `prepare_model_for_kbit_training` is called without
    `gradient_checkpointing_kwargs` (and without `use_gradient_checkpointing=False`) on a model
    known to be quantized, before `get_peft_model`; the variant in force at training is the one
    this call sets (nothing enables checkpointing again later); the script trains; the resolved
    transformers is >= 5.0; and the resolved torch is one whose default was read, through 2.14.1
    (reentrant); with a newer torch the variant is Unknown and the rule is silent. Versions are
    the resolved ones: given, pinned or installed, else the newest release peft-lint knows (the
    output's `versions:` line says which).

    The number of processes decides the severity: known to be 1 (a notebook, `--world-size 1`, a
    one-process launcher): silent; known to be more than 1: warning (the strategy is not
    checked); not known (no launcher among the files): info, and the message says the number of
    processes is not known.

    The `{}` kwargs and the reentrant result were reproduced (pitfalls entry 14); read in
    transformers 5.24 `modeling_utils.py` and torch 2.14.1 `checkpoint.py`.

    ## Fix safety
    No automatic fix yet.

    ## References
    - peft `utils/other.py` `prepare_model_for_kbit_training` (`{}` when None)
    - transformers 5.24 `modeling_utils.py` L3157-3158; torch `utils/checkpoint.py` `_checkpoint_impl`
    - reproduced on CPU by peft-lint's repro tier (checkpoint partial kwargs `{}`)
    """

    code = "PFT105"
    name = "prepare-kbit-implicit-reentrant"
    summary = "prepare_model_for_kbit_training enables reentrant checkpointing implicitly"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        reentrant = setup.checkpointing.use_reentrant
        if not (setup.checkpointing.enabled.is_(True) and reentrant.is_(True)):
            return
        if not setup.trains_here.is_(True):
            return
        if not tf.non_reentrant_by_default(setup.version("transformers")):
            return  # on 4.x reentrant is the default anyway: nothing implicit to point out
        for call in setup.kbit_prepare_calls:
            if not call.on_peft_model.is_(False):
                continue  # after get_peft_model: prepare-kbit-after-get-peft-model
            # the variant in force comes from this call's `{}` (torch's default)
            if reentrant.span != call.span or reentrant.origin.kind != "default":
                continue
            processes = setup.distributed.world_size
            if processes.known and isinstance(processes.value, int) and processes.value <= 1:
                continue  # one process: the DDP crash cannot happen
            strategy = setup.distributed.strategy
            if strategy.known and strategy.value != "ddp":
                continue  # DeepSpeed / FSDP: not DDP's reducer, not this crash
            certain = processes.known and strategy.known
            message = ("prepare_model_for_kbit_training enables checkpointing with `{}` as kwargs, "
                       "so torch's default decides: reentrant "
                       f"({setup.version_label('torch')}), although "
                       f"{setup.version_label('transformers')} defaults to non-reentrant; nothing "
                       "enables checkpointing again later.")
            found = self.diagnostic(
                call.span, message + (" Reentrant checkpointing crashes under DDP (\"Expected to mark a "
                                      "variable ready only once\")." if certain else
                                      " If this run is launched on several processes (DDP), reentrant "
                                      "checkpointing crashes there (\"Expected to mark a variable ready "
                                      "only once\"); the number of processes is not known here."),
                help="pass gradient_checkpointing_kwargs={\"use_reentrant\": False}",
                related=related(setup.distributed.launcher_span, "several processes"))
            # a crash only under DDP: a warning when the run is known to be distributed
            yield found if certain else replace(found, severity=Severity.INFO)
