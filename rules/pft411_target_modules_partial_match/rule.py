from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.explain import target_module_match
from peft_lint.facts.model import TrainingSetup


class TargetModulesPartialMatch(Rule):
    """
    ## What it does
    Finds a `target_modules` list in which some names exist in the model's architecture and
    others do not.

    ## Why is this bad?
    PEFT adapts the modules that match and ignores the rest without a word: fewer layers
    are adapted than the list says (typical for lists copied across architectures, e.g.
    `["q_proj", "v_proj", "query_key_value", "c_attn"]`, or MoE expert names after
    transformers 5 fused the experts into parameters).

    ## Example
    ```python
    LoraConfig(target_modules=["q_proj", "v_proj", "query_key_value"])   # on Llama
    ```

    ## Use instead
    ```python
    LoraConfig(target_modules=["q_proj", "v_proj"])
    ```

    ## When it does not apply
    Every name matches; none matches (`target-modules-not-found`); architectures or versions
    without a module table.

    ## What makes it certain
    Fires on the same known facts as `target-modules-not-found` (a PEFT model, a known list of
    plain names, a known model type, a module table of the resolved transformers version or of
    the same major version, named in the message) when at least one name is in the table and at
    least one is not. Anything Unknown keeps it silent. A warning: nothing crashes.

    Tables: transformers 4.46.3 to 5.24.0; the matching is peft's `check_target_module_exists`
    (exact name or `.name` suffix).

    ## Fix safety
    Removing the names that never match changes nothing at run time; no automatic fix yet.

    ## References
    - peft `utils/other.py` `check_target_module_exists` (exact name or `.name` suffix)
    """

    code = "PFT411"
    name = "target-modules-partial-match"
    summary = "target_modules names that match nothing, next to names that do"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if setup.adapter.config_span is None or not setup.trainer.model_is_peft.is_(True):
            return
        match = target_module_match(setup)
        if match is None:
            return
        matched, missing, table = match
        matched, missing = list(dict.fromkeys(matched)), list(dict.fromkeys(missing))  # once each
        if not matched or not missing:
            return
        targets = setup.adapter.kwargs["target_modules"]
        model_type = setup.model.model_type.value
        yield self.diagnostic(
            targets.span or setup.adapter.config_span,
            f"{missing} match no module of {model_type} (transformers {table} names) and are "
            f"silently ignored; only {matched} are adapted.",
            help=f"remove {missing}, or use the architecture's names")
