from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Related, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import AdapterSpec, Fact, TrainingSetup
from peft_lint.knowledge import peft as peft_knowledge

NO_TOTAL = "ValueError: AdaLoRA does not work when `total_step` is None, supply a value > 0."
NO_BUDGET = ("ValueError: The supplied schedule values don't allow for a budgeting phase. "
             "Decrease `tfinal`/`tinit` or increase `total_step`.")


class AdaloraInvalidSchedule(Rule):
    """
    ## What it does
    Checks the AdaLoRA schedule: `total_step` must be set and > 0, and
    `tinit < total_step - tfinal`, following values through variables, dicts and `**`.

    ## Why is this bad?
    Since peft 0.15 `AdaLoraConfig(...)` raises at construction:
    `ValueError: AdaLoRA does not work when total_step is None, supply a value > 0.` or
    `ValueError: The supplied schedule values don't allow for a budgeting phase. Decrease
    tfinal/tinit or increase total_step.` The job dies at start, after the queue wait.

    ## Example
    ```python
    AdaLoraConfig(init_r=12, target_r=4, tinit=200, tfinal=800, total_step=1000)
    ```

    ## Use instead
    ```python
    AdaLoraConfig(init_r=12, target_r=4, tinit=200, tfinal=500, total_step=1000)
    ```

    ## When it does not apply
    peft < 0.15 (no validation there); values computed at run time.

    ## What makes it certain
    Fires only when the resolved peft is >= 0.15 (the release that validates the schedule) and
    an `AdaLoraConfig` has a known `total_step` that is unset or <= 0, or known `total_step`,
    `tinit` and `tfinal` with `tinit >= total_step - tfinal`. An argument not written counts as
    the `AdaLoraConfig` default (`total_step=None`, `tinit=0`, `tfinal=0`) only when no `**`
    computed at run time could pass it; otherwise, or when a value is computed at run time, it
    is silent. On peft < 0.15 it is silent. Versions are the resolved ones: given, pinned or
    installed, else the newest release peft-lint knows (the output's `versions:` line says
    which).

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix: the right `total_step` is the run's number of optimizer steps.

    ## References
    - peft `tuners/adalora/config.py` `AdaLoraConfig.__post_init__` (PR huggingface/peft#2341)
    - reproduced on CPU with torchrun (2 processes, gloo) by peft-lint's repro tier
    """

    code = "PFT403"
    name = "adalora-invalid-schedule"
    summary = "AdaLoRA schedule that AdaLoraConfig rejects"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT403]"
    claims = (
        Claim("error", NO_TOTAL, marker="AdaLoraConfig with total_step"),
              Claim("error", NO_BUDGET, marker="leaves no budgeting phase"))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if not peft_knowledge.validates_adalora_schedule(setup.version("peft")):
            return
        for adapter in setup.adapter_configs:
            if adapter.method.is_("adalora") and adapter.config_span is not None:
                yield from self._check_one(setup, adapter)

    def _value(self, adapter: AdapterSpec, key: str) -> Fact[object]:
        if key in adapter.kwargs:
            return adapter.kwargs[key]
        if not adapter.kwargs_complete:
            return Fact.unknown(f"`{key}` may come from `**` arguments")
        return Fact.default(peft_knowledge.ADALORA_DEFAULTS[key], "default of AdaLoraConfig")

    def _check_one(self, setup: TrainingSetup, adapter: AdapterSpec) -> Iterator[Diagnostic]:
        assert adapter.config_span is not None
        total = self._value(adapter, "total_step")
        if not total.known:
            return
        peft_label = setup.version_label("peft")
        if total.value is None or (isinstance(total.value, int | float) and total.value <= 0):
            what = "not set" if total.value is None else f"{total.value}"
            related = [Related(total.span, "total_step")] if total.span else []
            yield self.diagnostic(
                adapter.config_span,
                f"AdaLoraConfig with total_step {what} raises at construction on {peft_label}: "
                f"\"{NO_TOTAL}\"",
                help="set total_step to the number of optimizer steps of the run (max_steps, or "
                     "steps per epoch x epochs)", related=related)
            return
        tinit, tfinal = self._value(adapter, "tinit"), self._value(adapter, "tfinal")
        if not (tinit.known and tfinal.known):
            return
        values = (total.value, tinit.value, tfinal.value)
        if not all(isinstance(value, int | float) for value in values):
            return
        total_n, tinit_n, tfinal_n = values  # type: ignore[misc]
        if tinit_n >= total_n - tfinal_n:  # type: ignore[operator]
            related = [Related(fact.span, name) for name, fact in
                       (("total_step", total), ("tinit", tinit), ("tfinal", tfinal)) if fact.span]
            yield self.diagnostic(
                adapter.config_span,
                f"AdaLoRA schedule tinit={tinit_n}, tfinal={tfinal_n}, total_step={total_n} leaves no "
                f"budgeting phase (tinit >= total_step - tfinal); AdaLoraConfig raises at "
                f"construction on {peft_label}: \"{NO_BUDGET}\"",
                help="make tinit + tfinal smaller than total_step", related=related)
