from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import TrainingSetup


class AdaloraTotalStepMismatch(Rule):
    """
    ## What it does
    Compares `AdaLoraConfig(total_step=...)` with the run's `max_steps` when both are known.

    ## Why is this bad?
    AdaLoRA's schedule (warm-up until `tinit`, budget reduction, final masking at
    `total_step - tfinal`) is laid out over `total_step` optimizer steps. If the run stops
    earlier, the final masking never happens and the budget never reaches `target_r`; if it
    runs longer, the ranks are frozen early. Nothing warns about it.

    ## Example
    ```python
    AdaLoraConfig(init_r=12, target_r=4, total_step=1000)
    TrainingArguments(max_steps=3000, ...)
    ```

    ## Use instead
    ```python
    steps = 3000
    AdaLoraConfig(init_r=12, target_r=4, total_step=steps)
    TrainingArguments(max_steps=steps, ...)
    ```

    ## When it does not apply
    `max_steps` unset (the length comes from epochs and the dataset size, which peft-lint
    cannot see), or either value computed at run time.

    ## What makes it certain
    Fires only when the trained adapter is AdaLoRA, its `total_step` is a known integer, and
    `max_steps` is written (not a default) as a positive integer that differs from it. A value
    computed at run time, or a run whose length comes from epochs, keeps it silent. A warning:
    nothing crashes.

    The schedule is peft's `AdaLoraModel.update_and_allocate`.

    ## Fix safety
    No automatic fix: which of the two numbers is right is the user's choice.

    ## References
    - peft `tuners/adalora/model.py` `AdaLoraModel.update_and_allocate` (phases keyed on
      `total_step - tfinal`)
    """

    code = "PFT406"
    name = "adalora-total-step-mismatch"
    summary = "AdaLoRA total_step differs from the run's max_steps"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        adapter = setup.adapter
        if not adapter.method.is_("adalora") or adapter.config_span is None:
            return
        total = adapter.kwargs.get("total_step")
        steps = setup.training_arguments.get("max_steps")
        if total is None or steps is None or not (total.known and steps.known):
            return
        if not (isinstance(total.value, int) and isinstance(steps.value, int)) or steps.value <= 0:
            return
        if total.value == steps.value or steps.origin.kind != "written":
            return
        effect = ("the final masking never happens and the budget never reaches target_r"
                  if steps.value < total.value else
                  "the ranks are frozen after step total_step - tfinal and stay so for the rest")
        message = (f"AdaLoRA's schedule is laid out over total_step={total.value} optimizer steps, "
                   f"but the run takes max_steps={steps.value}: {effect}.")
        yield self.diagnostic(adapter.config_span, message,
                              help="derive total_step and max_steps from the same number",
                              related=related(steps.span, f"max_steps={steps.value}"))
