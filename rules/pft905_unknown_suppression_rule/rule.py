from __future__ import annotations

from peft_lint.engine.diagnostic import Severity
from peft_lint.engine.rule import InputRule


class UnknownSuppressionRule(InputRule):
    """
    ## What it does
    Reports a `# peft-lint: ignore[...]` comment that names no rule: a code or name peft-lint
    does not have, a typo, or an empty bracket.

    ## Why is this bad?
    The comment suppresses nothing, so the finding it was meant to silence still fails the
    hook, or it silences nothing and only looks as if a decision was recorded.

    ## Example
    ```yaml
    gradient_checkpointing: true  # peft-lint: ignore[PFT10] reentrant is intended here
    ```

    ## Use instead
    ```yaml
    gradient_checkpointing: true  # peft-lint: ignore[PFT101] reentrant is intended here
    ```

    ## When it does not apply
    Every name in the brackets is a rule code (`PFT101`) or name (`adalora-reentrant-gc-ddp`)
    from `peft-lint rules`.

    ## What makes it certain
    Certain: no rule of this peft-lint has the code or name written in the brackets (or the
    brackets are empty), as `peft-lint rules` lists them. A code from a newer peft-lint release
    is reported too.

    ## Fix safety
    No automatic fix.

    ## References
    - README "Suppressing a finding"; `peft-lint rules`
    """

    code = "PFT905"
    name = "unknown-suppression-rule"
    summary = "A suppression comment names no known rule"
    severity = Severity.WARNING
