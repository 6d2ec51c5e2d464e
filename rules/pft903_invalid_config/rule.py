from __future__ import annotations

from peft_lint.engine.diagnostic import Severity
from peft_lint.engine.rule import InputRule


class InvalidConfig(InputRule):
    """
    ## What it does
    Reports a YAML or JSON config of the run that does not parse, with the parser's message
    and position.

    ## Why is this bad?
    `HfArgumentParser.parse_yaml_file`, `yaml.safe_load` or `json.load` raise the same
    error when the job starts, after the queue wait.

    ## Example
    ```yaml
    gradient_checkpointing_kwargs: {use_reentrant: false
    ```

    ## Use instead
    ```yaml
    gradient_checkpointing_kwargs: {use_reentrant: false}
    ```

    ## When it does not apply
    Always applies to the config files of a run.

    ## What makes it certain
    The message and position are the parser's own: PyYAML's safe loader (its C version when
    installed) reading one document, as `yaml.safe_load` and `HfArgumentParser.parse_yaml_file`
    do in the job, and Python's `json` decoder, as `json.load` does. A config nested deeper than
    peft-lint's reader goes is reported as "nested too deeply": that is peft-lint's limit, and
    the job's loader may read it. Only config files of a run are reported.

    ## Fix safety
    No automatic fix.

    ## References
    - PyYAML safe loader; Python `json`
    """

    code = "PFT903"
    name = "invalid-config"
    summary = "A YAML or JSON config does not parse"
    severity = Severity.ERROR
