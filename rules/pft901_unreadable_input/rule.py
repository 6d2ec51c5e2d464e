from __future__ import annotations

from peft_lint.engine.diagnostic import Severity
from peft_lint.engine.rule import InputRule


class UnreadableInput(InputRule):
    """
    ## What it does
    Reports an input file that cannot be read: missing, a directory, binary, not UTF-8,
    or unreadable for the current user.

    ## Why is this bad?
    peft-lint cannot check a run it cannot read; the other files of the run are still
    checked, but hazards that need this file go unseen.

    ## Example
    ```
    peft-lint train.py confg.yaml      # typo: the file does not exist
    ```

    ## Use instead
    ```
    peft-lint train.py config.yaml
    ```

    ## When it does not apply
    Files found by folder mode that belong to no run unit are not read.

    ## What makes it certain
    The finding states what happened when peft-lint read the file: the operating system's answer
    (no such file, a directory, not a regular file, permission denied), a NUL byte (binary), a
    byte that is not UTF-8 (with its offset), or a size above peft-lint's limit for one file. It
    is certain about peft-lint's own read, not about the job: a file over the limit may work at
    run time. Only files of a run are reported.

    ## Fix safety
    No automatic fix.

    ## References
    - `docs/architecture.md`, "Contracts": one bad file never stops the run
    """

    code = "PFT901"
    name = "unreadable-input"
    summary = "An input file cannot be read"
    severity = Severity.ERROR
