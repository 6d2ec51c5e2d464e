from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Related, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.explain import (
    READY_TWICE,
    checkpointing_related,
    input_grads_related,
    launcher_related,
    non_reentrant_fix,
    non_reentrant_help,
    processes_phrase,
    reentrant_ddp_applies,
    static_graph_available,
)
from peft_lint.facts.model import TrainingSetup


class AdaloraReentrantGcDdp(Rule):
    """
    ## What it does
    Finds AdaLoRA trained under DDP (more than one process) with reentrant activation
    checkpointing whose checkpointed layers receive gradients.

    ## Why is this bad?
    The first backward crashes on every rank:
    `RuntimeError: Expected to mark a variable ready only once ... Parameter at index N
    with name ...lora_B.default has been marked as ready twice.`
    `AdaLoraModel.forward` adds an orthogonal regulariser computed from every `lora_A` and
    `lora_B` outside the checkpointed decoder layers; reentrant checkpointing gives the same
    parameters a second gradient in a nested backward, so DDP's hook fires twice.

    The common advice does not fix it: `ddp_find_unused_parameters=False` fixes plain LoRA
    but not AdaLoRA, and `orth_reg_weight=0` keeps the zero-weighted term in the graph.

    ## Example
    ```yaml
    # config.yaml, launched with torchrun --nproc_per_node 2, transformers 4.57.6
    gradient_checkpointing: true      # reentrant by default before transformers 5.0
    ```
    ```python
    model.enable_input_require_grads()
    model = get_peft_model(model, AdaLoraConfig(init_r=12, target_r=4, total_step=1000))
    ```

    ## Use instead
    ```yaml
    gradient_checkpointing: true
    gradient_checkpointing_kwargs: {use_reentrant: false}
    ```
    On transformers >= 5, `ddp_static_graph: true` also works, and checkpointing without
    kwargs is already non-reentrant.

    ## When it does not apply
    A single process; non-reentrant checkpointing (the default of transformers >= 5.0 when no
    kwargs are given); `ddp_static_graph=True`; DeepSpeed or FSDP instead of DDP. On
    transformers 4.x without any input-gradient hook the same setup does not crash but
    silently leaves `lora_E` untrained: that is `reentrant-gc-frozen-inputs`.

    ## What makes it certain
    Fires only when all of these are known: the trained model is a PEFT model with an
    `AdaLoraConfig`; checkpointing is on; `use_reentrant` is True (written, or a default: of
    transformers before 5.0; of torch through 2.14.1 when `prepare_model_for_kbit_training`
    passes `{}`; of LLaMA-Factory or axolotl); the checkpointed layers' inputs require grad
    (`enable_input_require_grads()`, `prepare_model_for_kbit_training` on a quantized model,
    checkpointing enabled on the base before `get_peft_model`, transformers >= 5.0 for an
    `input_ids` model, TRL >= 0.24 for a PEFT model); the run is DDP, not DeepSpeed or FSDP,
    with more than one process (`torchrun --nproc_per_node 2`,
    `accelerate launch --num_processes 2` or its config, a SLURM or shell launcher, or
    `--world-size`; a count known only as "at least 2" counts); and `ddp_static_graph` is known
    False (written, or the default). Versions are the resolved ones: given, pinned or installed,
    else the newest release peft-lint knows (the output's `versions:` line says which).

    If any of them is Unknown (no launcher among the files, kwargs or flags computed at run
    time, the model passed to code peft-lint cannot read), the rule is silent and the notes of
    the output name what could not be determined. `find_unused_parameters` does not matter.

    Reproduced with 2 processes on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2,
    accelerate 1.15.0).

    ## Fix safety
    Safe. Where `use_reentrant: true` (or `True`) is written, `peft-lint --fix` turns that
    literal into false in its own file (YAML, JSON or Python). Where reentrant is a default, it
    writes the one setting that changes it: `gradient_checkpointing_kwargs={"use_reentrant":
    False}` as a new argument of the TrainingArguments, `gradient_checkpointing_enable()` or
    `prepare_model_for_kbit_training` call that enables checkpointing, a
    `gradient_checkpointing_kwargs: {use_reentrant: false}` line below the YAML line that turns
    it on, or `use_reentrant_gc: false` in a LLaMA-Factory config. The edit touches only the
    inserted text, so comments and formatting survive. No automatic fix where checkpointing is
    turned on by a command-line flag, a JSON file or values built at run time: the help line
    names the file and key.

    ## References
    - https://github.com/huggingface/peft/issues/1745
    - peft `tuners/adalora/model.py` `AdaLoraModel.forward` (orthogonal regulariser)
    - transformers 5.0 PR #43203 (non-reentrant default); 4.57.6 `modeling_utils.py` L3691
    - reproduced on CPU with torchrun (2 processes, gloo) by peft-lint's repro tier (both stacks)
    """

    code = "PFT101"
    name = "adalora-reentrant-gc-ddp"
    summary = "AdaLoRA with reentrant gradient checkpointing under DDP"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT101]"
    claims = (
        Claim("error", READY_TWICE),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        adapter = setup.adapter
        if not adapter.method.is_("adalora") or adapter.config_span is None:
            return
        if not setup.trainer.model_is_peft.is_(True) or not reentrant_ddp_applies(setup):
            return
        message = (
            f"AdaLoRA with reentrant gradient checkpointing under DDP ({processes_phrase(setup)}) "
            f"crashes at the first backward: \"RuntimeError: {READY_TWICE} ... has been marked as "
            "ready twice\". AdaLoRA's orthogonal regulariser uses every "
            "lora_A/lora_B outside the checkpointed layers, so the reentrant recomputation gives "
            "them a second gradient and DDP's hook fires twice.")
        related: list[Related] = checkpointing_related(setup) + input_grads_related(setup) + \
            launcher_related(setup)
        find_unused = setup.distributed.find_unused_parameters
        if find_unused.is_(False) and find_unused.span is not None:
            related.append(Related(find_unused.span, "find_unused_parameters=False does NOT fix "
                                   "this for AdaLoRA"))
        help_text = non_reentrant_help(setup)
        if static_graph_available(setup):
            help_text += " (or set ddp_static_graph: true)"
        help_text += ("; ddp_find_unused_parameters=False and orth_reg_weight=0 do NOT fix this "
                      "for AdaLoRA")
        yield self.diagnostic(adapter.config_span, message, help=help_text, related=related,
                              fix=non_reentrant_fix(setup))
