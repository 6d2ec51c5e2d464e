from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import TrainingSetup


class GcKwargsOverridden(Rule):
    """
    ## What it does
    Finds `model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=...)` (or
    `activation_checkpointing_enable`) whose variant the Trainer replaces: the training
    arguments also turn checkpointing on, with other or no kwargs.

    ## Why is this bad?
    `Trainer.train()` enables checkpointing again with `args.gradient_checkpointing_kwargs`
    (or the version default when they are unset) and rebinds every layer's checkpoint
    function, so the hand-set `use_reentrant` is silently replaced. On transformers 4.x a
    deliberate `use_reentrant=False` becomes `True` (and with it the DDP and frozen-input
    crashes); on 5.x a deliberate `True` becomes `False`.

    ## Example
    ```python
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    Trainer(model=model, args=TrainingArguments(gradient_checkpointing=True, ...))
    ```

    ## Use instead
    ```python
    Trainer(model=model, args=TrainingArguments(
        gradient_checkpointing=True, gradient_checkpointing_kwargs={"use_reentrant": False}))
    ```

    ## When it does not apply
    The training arguments leave checkpointing off, or resolve to the same variant.

    ## What makes it certain
    Fires only when a `gradient_checkpointing_enable(...)` call on the trained model, before
    training, has a known variant (a written `use_reentrant`, or the default of the resolved
    transformers or torch version), the training arguments are known to turn checkpointing on,
    and the variant the Trainer enables with them is known and different. Training arguments or
    kwargs computed at run time keep it silent; so do custom loops and unsloth's trainers (they
    set checkpointing themselves). Versions are the resolved ones: given, pinned or installed,
    else the newest release peft-lint knows (the output's `versions:` line says which).

    The replacement was read in `Trainer.train` of transformers 4.57.6 and 5.24 and seen on 5.24
    (True became False, pitfalls entry 10).

    ## Fix safety
    No automatic fix yet.

    ## References
    - https://github.com/huggingface/transformers/issues/26221
    - transformers `trainer.py` `Trainer.train` (5.24 L1503-1527; 4.57.6 L2447)
    """

    code = "PFT104"
    name = "gc-kwargs-overridden"
    summary = "Hand-set checkpointing kwargs replaced by the Trainer"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for override in setup.checkpoint_overrides:
            trainer = override.trainer_reentrant
            message = (f"This call sets use_reentrant={override.manual_reentrant.value}, but the "
                       "training arguments also turn checkpointing on, and Trainer.train() enables it "
                       f"again with use_reentrant={trainer.value} ({trainer.origin.detail or 'set there'}), "
                       "replacing this setting.")
            yield self.diagnostic(
                override.manual_span, message,
                help="put the kwargs in the training arguments (gradient_checkpointing_kwargs) and "
                     "remove this call, or turn checkpointing off in the training arguments",
                related=related(setup.checkpointing.enabled.span, "checkpointing on in the arguments"))
