from __future__ import annotations

from peft_lint.engine.diagnostic import Severity
from peft_lint.engine.rule import InputRule


class InvalidPython(InputRule):
    """
    ## What it does
    Reports a Python script that does not parse, with the parser's message and position.

    ## Why is this bad?
    The script would fail at start-up with the same `SyntaxError`; peft-lint cannot read
    what it would do.

    ## Example
    ```python
    model = get_peft_model(model, config
    ```

    ## Use instead
    ```python
    model = get_peft_model(model, config)
    ```

    ## When it does not apply
    Always applies to the Python files of a run.

    ## What makes it certain
    The message and position are those of `ast.parse` in the Python that runs peft-lint. Where a
    newer Python that peft-lint supports accepts the file, there is no finding, only a note. In
    a notebook each code cell is parsed on its own, as IPython runs it: a broken cell is
    reported alone and the other cells are still checked. A file that exhausts the parser
    (recursion or memory) is reported as "could not be parsed": that is peft-lint's limit, not a
    verdict on the script.

    ## Fix safety
    No automatic fix.

    ## References
    - Python `ast.parse`
    """

    code = "PFT902"
    name = "invalid-python"
    summary = "A Python script does not parse"
    severity = Severity.ERROR
