from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup

NO_GRAD = "element 0 of tensors does not require grad and does not have a grad_fn"
SILENT = "silently trains nothing"


class PeftFromPretrainedNotTrainable(Rule):
    """
    ## What it does
    Finds a saved adapter loaded with `PeftModel.from_pretrained(...)` or
    `AutoPeftModel*.from_pretrained(...)` without `is_trainable=True`, and then trained.

    ## Why is this bad?
    `is_trainable` defaults to False: the adapter is loaded for inference, every parameter is
    frozen and there is nothing to train. The first backward raises `RuntimeError: element 0
    of tensors does not require grad and does not have a grad_fn`; if something makes the
    inputs require grad (transformers >= 5 enables input gradients for text models when
    checkpointing is on), the run goes to the end and trains nothing.

    ## Example
    ```python
    model = PeftModel.from_pretrained(base, "checkpoints/adapter")
    Trainer(model=model, args=args, train_dataset=data).train()
    ```

    ## Use instead
    ```python
    model = PeftModel.from_pretrained(base, "checkpoints/adapter", is_trainable=True)
    ```
    or resume with `trainer.train(resume_from_checkpoint=...)`.

    ## When it does not apply
    Loading for inference or merging; `is_trainable=True`.

    ## Fix safety
    Adding `is_trainable=True` is the fix; no automatic fix yet.

    ## References
    - peft `peft_model.py` `PeftModel.from_pretrained` (`inference_mode = not is_trainable`)
    - shared/knowledge/pitfalls.md entry 54 (repro: 0 trainable parameters)
    """

    code = "PFT602"
    name = "peft-from-pretrained-not-trainable"
    summary = "Adapter loaded without is_trainable=True, then trained"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT602]"
    claims = (Claim("error", NO_GRAD, marker=NO_GRAD), Claim("adapter-untrained", marker=SILENT))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        load = setup.adapter_load
        if load is None or not load.is_trainable.is_(False) or not setup.trains_here.is_(True):
            return
        lead = ("The adapter is loaded without is_trainable=True, so it is loaded for inference: "
                "every parameter is frozen and training has nothing to update")
        if setup.checkpointing.input_grads.is_(True):
            effect = f"; the inputs require grad, so the run {SILENT} and ends without an error."
        else:
            effect = (f"; the first backward raises \"RuntimeError: {NO_GRAD}\" (or, if the inputs "
                      f"require grad, the run {SILENT}).")
        yield self.diagnostic(load.span, lead + effect,
                              help="pass is_trainable=True to from_pretrained",
                              related=related(setup.trainer.span, "trained here"))
