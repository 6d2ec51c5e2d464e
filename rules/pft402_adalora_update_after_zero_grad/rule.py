from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.explain import ADALORA_NONE_GRAD
from peft_lint.facts.model import TrainingSetup


class AdaloraUpdateAfterZeroGrad(Rule):
    """
    ## What it does
    Finds `update_and_allocate` called where the gradients are already gone: in a
    TrainerCallback hook that runs after the Trainer's `zero_grad()` (`on_step_end`,
    `on_step_begin`, `on_log`, ...), or after `zero_grad()` in a training loop.

    ## Why is this bad?
    AdaLoRA's importance score multiplies each adapter parameter by its gradient. After
    `zero_grad()` (which sets gradients to None) the first call raises
    `TypeError: unsupported operand type(s) for *: 'Parameter' and 'NoneType'`.
    The Trainer's order is: on_pre_optimizer_step, optimizer.step(), on_optimizer_step,
    lr_scheduler.step(), model.zero_grad(), on_step_end.

    ## Example
    ```python
    class Allocate(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **kwargs):
            model.base_model.update_and_allocate(state.global_step)
    ```

    ## Use instead
    ```python
    class Allocate(TrainerCallback):
        def on_optimizer_step(self, args, state, control, model=None, **kwargs):
            model.base_model.update_and_allocate(state.global_step)
    ```

    ## When it does not apply
    `on_optimizer_step` / `on_pre_optimizer_step`; a loop that calls it between
    `optimizer.step()` and `zero_grad()`; `zero_grad(set_to_none=False)`.

    ## What makes it certain
    Fires only for an `update_and_allocate` call known to run where the gradients are None: in a
    TrainerCallback hook the Trainer runs after `model.zero_grad()` or before any backward
    (`on_step_end`, `on_step_begin`, `on_epoch_*`, `on_train_*`, `on_log`, `on_save`,
    `on_evaluate`, ...), unless a Trainer subclass of the script overrides
    `_inner_training_loop`; or in a loop whose last `backward()`/`zero_grad()` before the call
    is a `zero_grad()` other than `zero_grad(set_to_none=False)`. Calls inside `if`, `with` and
    `try` blocks of the loop count as running.

    The hook order was read in `_inner_training_loop` of transformers 4.57.6 and 5.24.0.
    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix yet.

    ## References
    - peft `tuners/adalora/layer.py` `RankAllocator.update_ipt` (`p * p.grad`)
    - transformers `trainer.py` `_inner_training_loop` (hook order)
    - reproduced on CPU with torchrun (2 processes, gloo) by peft-lint's repro tier (`--mode step_end`)
    """

    code = "PFT402"
    name = "adalora-update-after-zero-grad"
    summary = "update_and_allocate called after zero_grad()"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT402]"
    claims = (
        Claim("error", ADALORA_NONE_GRAD),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for call in setup.allocation_calls:
            if not call.after_zero_grad or call.never_runs:
                continue
            if call.context.startswith("callback:"):
                where = (f"in the TrainerCallback hook `{call.context.split(':', 1)[1]}`, which the "
                         "Trainer runs when the gradients have been set to None")
                fix = "move the call to on_optimizer_step (after optimizer.step(), before zero_grad())"
            else:
                where = "after zero_grad() in the training loop"
                fix = "call it after optimizer.step() and before zero_grad()"
            message = (f"update_and_allocate runs {where}: the first call raises \"TypeError: "
                       f"{ADALORA_NONE_GRAD}\" (AdaLoRA scores each parameter by p * p.grad).")
            yield self.diagnostic(call.span, message, help=fix)
