from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.explain import fsdp_option
from peft_lint.facts.model import Span, TrainingSetup

KEYS = ("fsdp_activation_checkpointing", "activation_checkpointing")


class FsdpActivationCheckpointingTwice(Rule):
    """
    ## What it does
    Finds FSDP's own activation checkpointing (`fsdp_activation_checkpointing: true` in the
    accelerate config, or `activation_checkpointing` in `fsdp_config`) together with the
    training arguments' gradient checkpointing, including TRL's default
    (`gradient_checkpointing=True` in every TRL config since 0.22).

    ## Why is this bad?
    The Trainer refuses the pair when it is built: transformers 5.24 raises
    ``ValueError: `fsdp_config['activation_checkpointing']` (FSDP's own activation
    checkpointing) and the `activation_checkpointing` training argument can't both be set to
    True. Use FSDP's activation checkpointing when using FSDP.``; 4.57.6: "The
    activation_checkpointing in FSDP config and the gradient_checkpointing in training arg
    can't be set to True simultaneously."

    ## Example
    ```yaml
    # accelerate config
    distributed_type: FSDP
    fsdp_config: {fsdp_activation_checkpointing: true}
    ```
    with `SFTConfig(...)` (checkpointing on by default).

    ## Use instead
    ```python
    SFTConfig(..., gradient_checkpointing=False)   # FSDP checkpoints the layers itself
    ```

    ## When it does not apply
    FSDP activation checkpointing off, or training-argument checkpointing off.

    ## What makes it certain
    Fires only when the run is known to be FSDP, the accelerate config of its
    `accelerate launch` sets `fsdp_activation_checkpointing` (or `activation_checkpointing`) in
    `fsdp_config` to a literal `true`, a Trainer is built, and the training arguments'
    `gradient_checkpointing` is known True: written, or the default of a TRL config (True since
    TRL 0.22). An `fsdp_config` passed to the training arguments is not read; a value computed
    at run time keeps it silent.

    Not reproduced (FSDP needs several GPUs); the refusal is one `if` in `Trainer.__init__`,
    read in transformers 5.24 and 4.57.6.

    ## Fix safety
    No automatic fix yet.

    ## References
    - transformers `trainer.py` (5.24 L879-884; 4.57.6 L5530-5535):
      https://github.com/huggingface/transformers/blob/main/src/transformers/trainer.py
    - https://github.com/huggingface/transformers/issues/30404
    """

    code = "PFT204"
    name = "fsdp-activation-checkpointing-twice"
    summary = "FSDP activation checkpointing and training-argument checkpointing both on"
    severity = Severity.ERROR
    reproduction_exempt = "FSDP needs several GPUs; the check is one `if` in Trainer.__init__, cited"

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        fsdp_ac = fsdp_option(setup, *KEYS)
        if fsdp_ac is None or not fsdp_ac.is_(True) or setup.trainer.span is None:
            return
        gc = setup.training_arguments.get("gradient_checkpointing")
        if gc is None or not gc.is_(True):
            return
        span: Span = gc.span or setup.trainer.span
        yield self.diagnostic(
            span, f"FSDP's own activation checkpointing is on and the training arguments turn "
                  f"checkpointing on too ({gc.origin.describe()}): the Trainer refuses to start "
                  "(\"ValueError: ... can't both be set to True. Use FSDP's activation "
                  "checkpointing when using FSDP.\").",
            help="set gradient_checkpointing=False in the training arguments (TRL turns it on by "
                 "default) and keep FSDP's activation checkpointing",
            related=related(fsdp_ac.span, "FSDP activation checkpointing"))
