from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Fix, MoveCallBefore, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import KbitPrepareCall, TrainingSetup

NO_GRAD = "element 0 of tensors does not require grad and does not have a grad_fn"
SILENT = "silently trains nothing"


class PrepareKbitAfterGetPeftModel(Rule):
    """
    ## What it does
    Finds `prepare_model_for_kbit_training` called on a model that already has its PEFT
    adapter (the result of `get_peft_model`, or the base model after `get_peft_model`
    injected the adapter layers into it).

    ## Why is this bad?
    The function's first step sets `requires_grad=False` on every parameter, the adapter's
    included. Nothing is trainable. On a quantized model the function then makes the inputs
    require grad, so the run goes to the end without an error and saves an untrained adapter.
    On a model whose inputs do not require grad the first backward raises
    `RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn`.

    ## Example
    ```python
    model = get_peft_model(model, LoraConfig(...))
    model = prepare_model_for_kbit_training(model)
    ```

    ## Use instead
    ```python
    model = prepare_model_for_kbit_training(model)
    model = get_peft_model(model, LoraConfig(...))
    ```

    ## When it does not apply
    Called on the base model before `get_peft_model`.

    ## What makes it certain
    Fires only when `prepare_model_for_kbit_training` is known to be called on a model that
    already has its adapter (the result of `get_peft_model`, or the base model `get_peft_model`
    injected into). A model computed at run time keeps it silent. Whether the run crashes or
    silently trains nothing depends on input gradients: on a model known to be quantized the
    message says it trains nothing; otherwise it names both outcomes (both are errors).

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    Unsafe (applied with `--fix --unsafe-fixes`): the fix moves the
    `model = prepare_model_for_kbit_training(model)` statement, with the comment lines right
    above it, to just before `model = get_peft_model(model, ...)`. It is offered only when both
    are plain statements of one block that pass the same model variable, and no statement
    between them rebinds a name the moved call reads; review the diff, as code between the two
    calls now sees the prepared model.

    ## References
    - peft `utils/other.py` `prepare_model_for_kbit_training` (freezes every parameter)
    """

    code = "PFT301"
    name = "prepare-kbit-after-get-peft-model"
    summary = "prepare_model_for_kbit_training after get_peft_model freezes the adapter"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT301]"
    claims = (Claim("error", NO_GRAD, marker=NO_GRAD), Claim("adapter-untrained", marker=SILENT))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for call in setup.kbit_prepare_calls:
            if not call.on_peft_model.is_(True):
                continue
            lead = ("prepare_model_for_kbit_training is called after get_peft_model: it sets "
                    "requires_grad=False on every parameter, the adapter's included, so nothing "
                    "trains")
            if call.model_quantized.is_(True):
                effect = (f"; on a quantized model it also makes the inputs require grad, so the run "
                          f"goes to the end and {SILENT} (0 trainable parameters, no error).")
            else:
                effect = (f"; the first backward raises \"RuntimeError: {NO_GRAD}\", or, if the "
                          f"inputs require grad, the run {SILENT}.")
            yield self.diagnostic(
                call.span, lead + effect,
                help="call prepare_model_for_kbit_training on the base model before "
                     "get_peft_model: load -> prepare_model_for_kbit_training -> get_peft_model",
                related=related(call.peft_wrap_span, "the adapter is added here"),
                fix=self._fix(call))

    @staticmethod
    def _fix(call: KbitPrepareCall) -> Fix | None:
        wrap = call.peft_wrap_span
        if wrap is None or wrap.path != call.span.path:
            return None
        return Fix("call prepare_model_for_kbit_training before get_peft_model", False,
                   (MoveCallBefore(call.span.path, call.span.line, "prepare_model_for_kbit_training",
                                   wrap.line, "get_peft_model"),))
