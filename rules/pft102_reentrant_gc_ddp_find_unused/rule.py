from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Related, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.explain import (
    READY_TWICE,
    checkpointing_related,
    input_grads_related,
    launcher_related,
    method_name,
    non_reentrant_fix,
    non_reentrant_help,
    processes_phrase,
    reentrant_ddp_applies,
    static_graph_available,
)
from peft_lint.facts.model import TrainingSetup


class ReentrantGcDdpFindUnused(Rule):
    """
    ## What it does
    Finds a PEFT model (LoRA and the other non-AdaLoRA methods) trained under DDP with
    reentrant activation checkpointing and `find_unused_parameters=True`, whose checkpointed
    layers receive gradients.

    ## Why is this bad?
    The first backward crashes on every rank:
    `RuntimeError: Expected to mark a variable ready only once ... has been marked as ready
    twice.` With reentrant checkpointing the LoRA parameters inside a checkpointed layer are
    not in the graph DDP walks after forward, so DDP marks them unused and ready; the
    recomputation's nested backward then fires their hooks again.

    `find_unused_parameters=True` is what the Trainer picks for every `PeftModel`: its
    docstring says "False if gradient checkpointing is used", but the code applies that only
    to a `PreTrainedModel`.

    ## Example
    ```python
    args = TrainingArguments(gradient_checkpointing=True,
                             gradient_checkpointing_kwargs={"use_reentrant": True})
    trainer = Trainer(model=get_peft_model(model, LoraConfig(...)), args=args)
    # torchrun --nproc_per_node 2 train.py
    ```

    ## Use instead
    ```python
    args = TrainingArguments(gradient_checkpointing=True,
                             gradient_checkpointing_kwargs={"use_reentrant": False})
    ```
    `ddp_find_unused_parameters=False` also works for plain LoRA, but only when every
    trainable parameter is used in every step (not for MoE experts or a VLM's vision tower).

    ## When it does not apply
    A single process; non-reentrant checkpointing; `ddp_static_graph=True`;
    `ddp_find_unused_parameters=False`; no input gradients (then the failure is
    `reentrant-gc-frozen-inputs`); AdaLoRA (see `adalora-reentrant-gc-ddp`).

    ## What makes it certain
    Fires only when all of these are known: the trained model is a PEFT model whose method is
    not AdaLoRA; checkpointing is on with `use_reentrant` True (written, or a default of
    transformers before 5.0, of torch through 2.14.1, or of LLaMA-Factory or axolotl); the
    checkpointed layers' inputs require grad; the run is DDP with more than one process (a
    launcher among the files, or `--world-size`); `ddp_static_graph` is known False; and
    `find_unused_parameters` is True: written (`ddp_find_unused_parameters`, or
    `DDP(..., find_unused_parameters=True)` in a custom loop) or the Trainer's default for a
    `PeftModel`. Versions are the resolved ones: given, pinned or installed, else the newest
    release peft-lint knows (the output's `versions:` line says which).

    Any of them Unknown (no launcher, a value computed at run time, axolotl deciding
    `find_unused_parameters` at start-up) keeps the rule silent; the notes of the output name
    the unknown facts.

    Reproduced with 2 processes, Trainer and custom DDP loop, on transformers 4.57.6 and 5.24.0
    (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    Safe, with the same edits as `adalora-reentrant-gc-ddp`: a written `use_reentrant: true`
    becomes false; a default gets the one setting that changes it (the call's
    `gradient_checkpointing_kwargs`, a YAML line, or LLaMA-Factory's `use_reentrant_gc: false`).
    No automatic fix for a command-line flag, a JSON file or values built at run time.

    ## References
    - transformers `trainer.py` `_build_accelerator_args` (5.24) / `_wrap_model` (4.57.6)
    - https://github.com/huggingface/trl/issues/921, https://github.com/huggingface/transformers/issues/23728
    - reproduced on CPU with torchrun (2 processes, gloo) by peft-lint's repro tier (both stacks)
    """

    code = "PFT102"
    name = "reentrant-gc-ddp-find-unused"
    summary = "PEFT model with reentrant checkpointing under DDP with find_unused_parameters"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT102]"
    claims = (
        Claim("error", READY_TWICE),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        method = setup.adapter.method
        if not method.known or method.value == "adalora":
            return
        if not setup.trainer.model_is_peft.is_(True) or not reentrant_ddp_applies(setup):
            return
        find_unused = setup.distributed.find_unused_parameters
        if not find_unused.is_(True):
            return
        span = setup.trainer.peft_wrap_span or setup.trainer.span or setup.checkpointing.enabled.span
        if span is None:
            return
        message = (
            f"{method_name(method.value)} with reentrant gradient checkpointing under DDP "
            f"({processes_phrase(setup)}) and find_unused_parameters=True "
            f"({find_unused.origin.detail or 'set here'}) crashes at the first backward: \"RuntimeError: "
            f"{READY_TWICE} ... has been marked as ready twice\".")
        related: list[Related] = checkpointing_related(setup) + input_grads_related(setup) + \
            launcher_related(setup)
        if find_unused.span is not None and find_unused.origin.kind == "written":
            related.append(Related(find_unused.span, "find_unused_parameters=True"))
        help_text = non_reentrant_help(setup) + "; or set ddp_find_unused_parameters: false if " \
            "every trainable parameter is used in every step"
        if static_graph_available(setup):
            help_text += "; or ddp_static_graph: true"
        yield self.diagnostic(span, message, help=help_text, related=related, fix=non_reentrant_fix(setup))
