from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import fields

NO_DROPOUT = "does not work with lora_dropout != 0"


class TargetParametersWithDropout(Rule):
    """
    ## What it does
    Finds a LoRA adapter that targets parameters (`LoraConfig(target_parameters=[...])`, the
    way to reach the packed expert weights of MoE models such as gpt-oss or Qwen3-MoE) with a
    `lora_dropout` other than 0.

    ## Why is this bad?
    A targeted parameter is wrapped in `lora.ParamWrapper`, which adds the LoRA delta to the
    weight itself; dropout on the layer's input cannot be factored out of that product, so
    `get_peft_model` refuses it before training: `ValueError: lora.ParamWrapper does not work
    with lora_dropout != 0.` (every peft release with `target_parameters`, 0.17-0.21). Recipes
    copied from dense models carry `lora_dropout=0.05`.

    ## Example
    ```python
    LoraConfig(r=16, target_modules=[], target_parameters=["mlp.experts.gate_up_proj"], lora_dropout=0.05)
    ```

    ## Use instead
    ```python
    LoraConfig(r=16, target_modules=[], target_parameters=["mlp.experts.gate_up_proj"], lora_dropout=0.0)
    ```

    ## When it does not apply
    `target_parameters` empty or not given; `lora_dropout` 0 (the default); a value computed
    at run time; a peft release without `target_parameters` (PFT701 reports the key).

    ## What makes it certain
    Both values are written (in the script, or a YAML read into the config), and the resolved
    peft release's LoraConfig has `target_parameters` (generated field tables). The refusal is in
    `lora.ParamWrapper.__init__` and `update_layer` of every such release. Reproduced on peft
    0.21.2 with a tiny Llama (`target_parameters=["mlp.down_proj.weight"]`).

    ## Fix safety
    Setting `lora_dropout=0.0` changes regularisation only; no automatic fix yet.

    ## References
    - peft `tuners/lora/layer.py` `ParamWrapper` (0.21.2: "It's not possible to factor out x from
      lora_B(lora_A(dropout(x)))")
    - https://github.com/AgileRL/AgileRL/pull/630; axolotl's `validate_lora_target_parameters_dropout`
    """

    code = "PFT808"
    name = "target-parameters-with-dropout"
    summary = "LoRA target_parameters with lora_dropout != 0 (ValueError in get_peft_model)"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT808]"
    claims = (Claim("error", NO_DROPOUT, marker=NO_DROPOUT),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        adapter = setup.adapter
        if not adapter.method.is_("lora") or "peft" not in setup.versions:
            return
        targets = adapter.kwargs.get("target_parameters")
        dropout = adapter.kwargs.get("lora_dropout")
        if targets is None or dropout is None or not targets.known or not dropout.known:
            return
        rate = dropout.value
        if not targets.value or isinstance(rate, bool) or not isinstance(rate, int | float) or rate == 0:
            return
        versions = {package: resolved.version for package, resolved in setup.versions.items()}
        if "target_parameters" not in (fields.fields("peft.LoraConfig", versions) or ()):
            return
        yield self.diagnostic(
            dropout.span or adapter.config_span or targets.span,
            f"lora_dropout is {dropout.value} for an adapter with target_parameters: get_peft_model wraps "
            f"each targeted parameter in lora.ParamWrapper, which raises \"ValueError: lora.ParamWrapper "
            f"{NO_DROPOUT}.\" on {setup.version_label('peft')}, before training.",
            help="set lora_dropout=0.0 (dropout cannot be applied to a parameter's LoRA delta)",
            related=related(targets.span, "target_parameters"))
