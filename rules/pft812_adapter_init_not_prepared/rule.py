from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import fields, peft

CORDA = "please run `preprocess_corda` first"


class AdapterInitNotPrepared(Rule):
    """
    ## What it does
    Finds a LoRA adapter with a data-driven initialization (`init_lora_weights="eva"`,
    `"corda"` or `"lora_ga"`) in a run whose code never calls the function that computes it
    (`initialize_lora_eva_weights`, `preprocess_corda`, `preprocess_loraga`).

    ## Why is this bad?
    These initializations need statistics from the data (activations, covariances, gradients),
    computed by a separate call. Without it:
    - CorDA stops in `get_peft_model`: `ValueError: `eigens` attribute not found for layer,
      please run `preprocess_corda` first.`;
    - EVA only zeroes `lora_B` and trains as plain LoRA, and LoRA-GA falls back to a gaussian
      init, both without a word: the run is not the method it names (a warning).

    ## Example
    ```python
    model = get_peft_model(model, LoraConfig(init_lora_weights="eva", eva_config=EvaConfig(rho=2.0)))
    trainer.train()
    ```

    ## Use instead
    ```python
    model = get_peft_model(model, LoraConfig(init_lora_weights="eva", eva_config=EvaConfig(rho=2.0)))
    initialize_lora_eva_weights(model, dataloader)
    trainer.train()
    ```
    (CorDA: `preprocess_corda(model, lora_config, run_model=...)` before `get_peft_model`.)

    ## When it does not apply
    The function's name appears in the script or in a project module it imports (it may be
    called, whatever the path); a project module peft-lint cannot read; a peft release whose
    LoraConfig does not list the value (PFT703 reports it).

    ## What makes it certain
    `init_lora_weights` is written and is a value of the resolved release's `init_lora_weights`
    annotation (generated field tables); the preparation's name appears nowhere in the run's
    Python. Reproduced for CorDA on peft 0.21.2.

    ## Fix safety
    The preparation needs a data loader; no automatic fix.

    ## References
    - peft `tuners/lora/layer.py` `update_layer` (0.21.2: `elif init_lora_weights == "eva":
      nn.init.zeros_(self.lora_B[adapter_name].weight)`), `corda_init`, `lora_ga_init`
    - https://huggingface.co/docs/peft/developer_guides/lora#eva
    """

    code = "PFT812"
    name = "adapter-init-not-prepared"
    summary = "EVA, CorDA or LoRA-GA init without the call that computes it"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT812]"
    claims = (Claim("error", CORDA, marker=CORDA),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        init = setup.adapter.kwargs.get("init_lora_weights")
        if not setup.adapter.method.is_("lora") or init is None or not init.known or \
                init.value not in peft.INIT_PREPARATION or "peft" not in setup.versions:
            return
        method = str(init.value)
        versions = {package: resolved.version for package, resolved in setup.versions.items()}
        if method not in (fields.choices("peft.LoraConfig", versions, "init_lora_weights") or ()):
            return
        call = peft.INIT_PREPARATION[method]
        if call in setup.init_preparations:
            return
        span = init.span or setup.adapter.config_span
        if span is None:
            return
        if method == "corda":
            yield self.diagnostic(
                span, f"init_lora_weights=\"corda\" but the run never calls {call}: get_peft_model on "
                      f"{setup.version_label('peft')} raises \"{peft.CORDA_UNPREPARED}\"",
                help=f"call {call}(model, lora_config, run_model=...) before get_peft_model")
            return
        effect = "only zeroes lora_B, so the run trains plain LoRA" if method == "eva" else \
            "falls back to a gaussian init, so the run trains plain LoRA"
        yield replace(self.diagnostic(
            span, f"init_lora_weights=\"{method}\" but the run never calls {call}: peft "
                  f"({setup.version_label('peft')}) {effect}, without a warning.",
            help=f"call {call}(...) with a data loader after get_peft_model, before training"
            if method == "eva" else f"call {call}(...) before get_peft_model"),
            severity=Severity.WARNING)
