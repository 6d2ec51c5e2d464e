from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import TrainingSetup

OPTIONS = {"use_dora": "does not support DoRA.", "loftq_config": "does not support LOFTQ."}


class AdaloraUnsupportedCombination(Rule):
    """
    ## What it does
    Finds `AdaLoraConfig(use_dora=True)` or `AdaLoraConfig(loftq_config=...)`.

    ## Why is this bad?
    AdaLoRA supports neither: `AdaLoraConfig.__post_init__` raises
    `ValueError: ADALORA does not support DoRA.` (or `... does not support LOFTQ.`) when the
    config is built, at the start of the job.

    ## Example
    ```python
    AdaLoraConfig(init_r=12, target_r=4, total_step=1000, use_dora=True)
    ```

    ## Use instead
    ```python
    AdaLoraConfig(init_r=12, target_r=4, total_step=1000)   # or LoraConfig(use_dora=True)
    ```

    ## When it does not apply
    `LoraConfig(use_dora=True)`; `use_dora=False`.

    ## What makes it certain
    Fires only when an `AdaLoraConfig` gets `use_dora` or `loftq_config` with a known value
    other than `None`/`False`. A value computed at run time keeps it silent. The peft version is
    not checked.

    The refusal is `AdaLoraConfig.__post_init__`. Reproduced on transformers 4.57.6 and 5.24.0
    (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix: DoRA and AdaLoRA are different methods; choose one.

    ## References
    - peft `tuners/adalora/config.py` `AdaLoraConfig.__post_init__`
    """

    code = "PFT404"
    name = "adalora-unsupported-combination"
    summary = "AdaLoRA with DoRA or LoftQ, which AdaLoraConfig rejects"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT404]"
    claims = tuple(Claim("error", text, marker=text) for text in OPTIONS.values())

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for adapter in setup.adapter_configs:
            if not adapter.method.is_("adalora") or adapter.config_span is None:
                continue
            for option, text in OPTIONS.items():
                fact = adapter.kwargs.get(option)
                if fact is None or not fact.known or fact.value in (None, False):
                    continue
                yield self.diagnostic(
                    adapter.config_span,
                    f"AdaLoraConfig rejects `{option}` when it is built: \"ValueError: ADALORA {text}\"",
                    help=f"remove `{option}` (use LoraConfig if you need it)")
