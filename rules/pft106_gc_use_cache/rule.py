from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.model import TrainingSetup


class GcUseCache(Rule):
    """
    ## What it does
    Finds `from_pretrained(..., use_cache=True)` in a run that trains with activation
    checkpointing.

    ## Why is this bad?
    It is harmless but misleading: the checkpointed layers turn the cache off and say so,
    ``Caching is incompatible with gradient checkpointing in <Layer>. Setting `use_cache=False`.``
    (transformers 5) or "`use_cache=True` is incompatible with gradient checkpointing. Setting
    `use_cache=False`" (older versions), once per run.

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, use_cache=True)
    ```

    ## Use instead
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, use_cache=False)  # True again for generation
    ```

    ## When it does not apply
    Checkpointing off; `use_cache` not passed.

    ## What makes it certain
    Fires only when checkpointing is known to be on during training and a `from_pretrained` call
    passes `use_cache=True` as a literal. A value computed at run time, or checkpointing not
    known to be on, keeps it silent. An info: nothing breaks.

    The quoted messages are those of transformers 5.24 `GradientCheckpointingLayer` and of the
    older layers.

    ## Fix safety
    Safe: the value is overridden during training anyway.

    ## References
    - transformers `modeling_layers.py` `GradientCheckpointingLayer` (5.24 L95-121)
    """

    code = "PFT106"
    name = "gc-use-cache"
    summary = "use_cache=True with activation checkpointing"
    severity = Severity.INFO

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if not setup.checkpointing.enabled.is_(True):
            return
        for call in setup.load_calls:
            cache = call.get("use_cache")
            if cache is not None and cache.is_(True):
                yield self.diagnostic(cache.span or call.span,
                                      "use_cache=True while training with checkpointing: the layers "
                                      "turn the cache off and warn about it.",
                                      help="pass use_cache=False for training")
