from __future__ import annotations

from peft_lint.engine.diagnostic import Severity
from peft_lint.engine.rule import InputRule


class UnusedSuppression(InputRule):
    """
    ## What it does
    Reports a `# peft-lint: ignore[...]` comment that names a rule which reported nothing on
    the line (or file) it covers.

    ## Why is this bad?
    A stale suppression hides the next real finding of that rule on the line: after the
    hazard was fixed, or after the code moved, the comment keeps silencing a check nobody
    meant to turn off.

    ## Example
    ```python
    model.gradient_checkpointing_enable()  # peft-lint: ignore[gc-use-cache] use_cache set in config
    ```

    ## Use instead
    ```python
    model.gradient_checkpointing_enable()
    ```

    ## When it does not apply
    The named rule reports on the covered line, at the finding's own location or at one of
    its related locations (a YAML key, a launcher line).

    ## What makes it certain
    Certain about this lint only: the named rule is enabled for the file and reported nothing on
    the covered line (or file), at a finding's location or a related one, for the files,
    versions and settings of this invocation. Where some facts of the run were not determined
    (no launcher passed, a value computed at run time: the notes list them), the named rule may
    report once they are known, so the finding is an info ("may be stale"); a warning only when
    the run's facts were all determined.

    ## Fix safety
    No automatic fix: delete the name from the comment, or the comment.

    ## References
    - ruff RUF100 `unused-noqa`; README "Suppressing a finding"
    """

    code = "PFT904"
    name = "unused-suppression"
    summary = "A suppression comment names a rule that reports nothing there"
    severity = Severity.WARNING
