from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Related, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import TrainingSetup

HELP = ("call model.base_model.update_and_allocate(state.global_step) from a TrainerCallback's "
        "on_optimizer_step (after optimizer.step(), before zero_grad()); in a custom loop, call it "
        "after optimizer.step() and before zero_grad(), on the unwrapped model "
        "(accelerator.unwrap_model(model).base_model.update_and_allocate(step))")

SWIFT_HELP = ("train AdaLoRA in one process (no NPROC_PER_NODE or NNODES: ms-swift's callback then "
              "allocates at every step), or use --tuner_type lora")


class AdaloraMissingUpdateAndAllocate(Rule):
    """
    ## What it does
    Finds AdaLoRA training where `update_and_allocate` is never called, or is called only
    where it can never run.

    ## Why is this bad?
    Nothing in transformers, TRL or accelerate calls it. Without it AdaLoRA never
    reallocates rank: the run finishes with no error and no warning, but trains a fixed-rank
    LoRA at `init_r` (more parameters than the `target_r` budget), and the saved
    `rank_pattern` is `None`.

    ## Example
    ```python
    model = get_peft_model(model, AdaLoraConfig(init_r=12, target_r=4, total_step=1000))
    Trainer(model=model, args=args, train_dataset=data).train()
    ```

    ## Use instead
    ```python
    class AdaLoraAllocation(TrainerCallback):
        def on_optimizer_step(self, args, state, control, model=None, **kwargs):
            model.base_model.update_and_allocate(state.global_step)

    Trainer(model=model, args=args, train_dataset=data,
            callbacks=[AdaLoraAllocation()]).train()
    ```

    ## When it does not apply
    Scripts that do not train here (no Trainer, no backward call), whose trainer is defined
    in another module, or that pass a callback or the model to code defined elsewhere (it
    may call `update_and_allocate` there).

    ## What makes it certain
    Fires only when the trained adapter is known to be AdaLoRA, the script trains (it builds a
    Trainer or calls `backward()`), every `update_and_allocate` call found is known never to run
    (or there is none), and nothing peft-lint cannot read could call it: no callback from
    another module is given to the trainer, the trainer's arguments are known, and the model is
    not handed to code defined elsewhere. Any of that Unknown keeps it silent.

    ms-swift (`swift sft --tuner_type adalora`) allocates from a callback that patches the
    PeftModel's `zero_grad`; the Trainer calls `zero_grad` on the model it trains, which under
    DDP (NPROC_PER_NODE set, more than one process) or DeepSpeed is the wrapper, so the patch
    never runs: reported for those launches, not for one process.

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0):
    Trainer, accelerate loop, and TRL 1.16.0's SFTTrainer with `peft_config`.

    ## Fix safety
    No automatic fix.

    ## References
    - peft `tuners/adalora/model.py` `AdaLoraModel.update_and_allocate` docstring
    - https://github.com/huggingface/peft/issues/1327, https://github.com/huggingface/peft/issues/432
    - reproduced on CPU with torchrun (2 processes, gloo) by peft-lint's repro tier
    """

    code = "PFT401"
    name = "adalora-missing-update-and-allocate"
    summary = "AdaLoRA without update_and_allocate trains a fixed-rank LoRA"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT401]"
    claims = (Claim("no-rank-allocation"),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        adapter = setup.adapter
        if not adapter.method.is_("adalora") or adapter.config_span is None:
            return
        if not setup.trains_here.is_(True) or not setup.allocation_elsewhere.is_(False):
            return
        if any(not call.never_runs for call in setup.allocation_calls):
            return
        init_r = adapter.kwargs.get("init_r")
        target_r = adapter.kwargs.get("target_r")
        init_text = f"init_r={init_r.value}" if init_r and init_r.known else "init_r (default 12)"
        target_text = f"target_r={target_r.value}" if target_r and target_r.known else \
            "target_r (default 8)"
        if setup.allocation_calls:
            lead = "AdaLoRA's update_and_allocate is called only where it can never run"
        else:
            lead = "AdaLoRA's update_and_allocate is never called, and no Trainer calls it"
        message = (f"{lead}: the run finishes without error or warning but trains a fixed-rank "
                   f"LoRA at {init_text}; the budget never moves toward {target_text} and the "
                   "saved rank_pattern stays None.")
        related = [Related(call.span, f"never runs: {call.never_runs}")
                   for call in setup.allocation_calls]
        help = SWIFT_HELP if setup.trainer.kind.is_("ms-swift") else HELP
        yield self.diagnostic(adapter.config_span, message, help=help, related=related)
