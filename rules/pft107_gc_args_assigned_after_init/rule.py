from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.model import TrainingSetup


class GcArgsAssignedAfterInit(Rule):
    """
    ## What it does
    Finds `args.gradient_checkpointing = ...` or `args.gradient_checkpointing_kwargs = ...`
    assigned after the training arguments were built, on transformers >= 5.23.

    ## Why is this bad?
    transformers 5.23 renamed the fields to `activation_checkpointing` and
    `activation_checkpointing_kwargs`; the old names are deprecated aliases copied to the new
    ones once, in `TrainingArguments.__post_init__`. The Trainer reads only the new names, so
    an assignment to an old name afterwards is silently ignored: checkpointing stays off, or
    keeps the variant it had. (TRL 0.28-1.16 itself assigns `gradient_checkpointing_kwargs`
    this way for PEFT + ZeRO-3, so its forced reentrant setting is lost too.)

    ## Example
    ```python
    args = TrainingArguments(output_dir="out")
    args.gradient_checkpointing = True
    ```

    ## Use instead
    ```python
    args = TrainingArguments(output_dir="out", gradient_checkpointing=True)
    # or: args.activation_checkpointing = True
    ```

    ## When it does not apply
    transformers < 5.23; assignments to `activation_checkpointing*`; values passed to the
    constructor or read from a config file.

    ## What makes it certain
    Fires only when the resolved transformers is >= 5.23 and the script assigns
    `args.gradient_checkpointing` or `args.gradient_checkpointing_kwargs` after it built the
    training arguments. The assigned value does not matter: the assignment is never read. On
    transformers < 5.23 the Trainer still reads the old names and the rule is silent. Versions
    are the resolved ones: given, pinned or installed, else the newest release peft-lint knows
    (the output's `versions:` line says which).

    Read in transformers 5.24 `training_args.py` and `trainer.py`; the ignored assignment was
    reproduced (pitfalls entry 15).

    ## Fix safety
    No automatic fix yet.

    ## References
    - transformers 5.24 `training_args.py` `__post_init__` (L1533-1545), `trainer.py` L1507
    - reproduced on CPU by peft-lint's repro tier (`trl_cfg.py`)
    """

    code = "PFT107"
    name = "gc-args-assigned-after-init"
    summary = "gradient_checkpointing assigned after the arguments are built, ignored since 5.23"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for span, key in setup.ignored_assignments:
            new_key = key.replace("gradient_", "activation_")
            message = (f"On {setup.version_label('transformers')} `{key}` is an alias copied to "
                       f"`{new_key}` once, when the arguments are built; this assignment afterwards is "
                       "never read by the Trainer, so it has no effect.")
            yield self.diagnostic(span, message,
                                  help=f"pass {key}=... to the constructor, or assign args.{new_key}")
