from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Edit, Fix, InsertArgument, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import AdapterLoad, TrainingSetup
from peft_lint.knowledge import peft

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

    ## What makes it certain
    Fires only when the trained model's adapter is loaded with `PeftModel.from_pretrained` or an
    `AutoPeftModel*.from_pretrained`, `is_trainable` is known False (not passed, peft's default,
    with no `**` computed at run time that could pass it; or written False), and the script
    trains. Whether the run crashes or trains nothing depends on input gradients; when they are
    not known the message names both outcomes (both are errors). peft before 0.3.0 had no
    `is_trainable` and left the loaded LoRA weights trainable, so it does not fire there, nor
    when peft is installed from a git commit whose release is not known.

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    Safe: `peft-lint --fix` adds `is_trainable=True` to the call (or turns
    `is_trainable=False` into it); nothing else in the file changes.

    ## References
    - peft `peft_model.py` `PeftModel.from_pretrained` (`inference_mode = not is_trainable`,
      since v0.3.0)
    - reproduced on CPU by peft-lint's repro tier (0 trainable parameters)
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
        if not peft.loads_adapters_frozen(setup.version("peft")):
            return
        lead = ("The adapter is loaded without is_trainable=True, so it is loaded for inference "
                f"({setup.version_label('peft')}): every parameter is frozen and training has "
                "nothing to update")
        if setup.checkpointing.input_grads.is_(True):
            effect = f"; the inputs require grad, so the run {SILENT} and ends without an error."
        else:
            effect = (f"; the first backward raises \"RuntimeError: {NO_GRAD}\" (or, if the inputs "
                      f"require grad, the run {SILENT}).")
        yield self.diagnostic(load.span, lead + effect,
                              help="pass is_trainable=True to from_pretrained",
                              related=related(setup.trainer.span, "trained here"), fix=self._fix(load))

    def _fix(self, load: AdapterLoad) -> Fix | None:
        title = "pass is_trainable=True"
        written = load.is_trainable.span if load.is_trainable.origin.kind == "written" else None
        if written is not None and written.end_line is not None and written.end_column is not None:
            return Fix(title, True, (Edit(written.path, written.line, written.column, written.end_line,
                                          written.end_column, "True"),))  # the value
        span = load.span
        if span.end_line is None or span.end_column is None:
            return None
        return Fix(title, True, (InsertArgument(span.path, span.line, span.column, span.end_line,
                                                span.end_column, "is_trainable=True"),))
