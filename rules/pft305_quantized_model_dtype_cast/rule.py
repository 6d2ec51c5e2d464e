from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import TrainingSetup

HALF = "`.half()` is not supported for quantized model"
FLOAT = "`.float()` is not supported for quantized model"
CAST = "You cannot cast a bitsandbytes model in a new `dtype`"


class QuantizedModelDtypeCast(Rule):
    """
    ## What it does
    Finds `.half()`, `.float()` or `.to(<dtype>)` on a model loaded quantized.

    ## Why is this bad?
    transformers refuses to cast quantized weights: `ValueError: .half() is not supported for
    quantized model. Please use the model as it is, since the model has already been casted to
    the correct dtype.` (`.float()` likewise), and for `.to(torch.float16)`: `ValueError: You
    cannot cast a bitsandbytes model in a new dtype. Make sure to load the model using
    from_pretrained using the desired dtype by passing the correct dtype argument.`

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, quantization_config=bnb_config)
    model = model.half()
    ```

    ## Use instead
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, quantization_config=bnb_config,
                                                 dtype=torch.float16)
    ```

    ## When it does not apply
    Models loaded without quantization; `.to("cuda")` (moving, not casting).

    ## What makes it certain
    Fires only when `.half()`, `.float()` or `.to(<dtype>)` is called on a model known to be
    loaded quantized (any backend). A quantization that is Unknown (computed at run time, a
    model id that looks pre-quantized) keeps it silent. `.half()` and `.float()` raise for every
    quantized model; for `.to(<dtype>)` the message quotes the bitsandbytes error and the
    backend is not checked.

    Reproduced on transformers 4.57.6 and 5.24.0 with a model carrying the attributes
    transformers checks (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix yet.

    ## References
    - transformers `modeling_utils.py` `PreTrainedModel.to` / `half` / `float`
    """

    code = "PFT305"
    name = "quantized-model-dtype-cast"
    summary = "dtype cast of a quantized model"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT305]"
    claims = (Claim("error", HALF, marker=HALF), Claim("error", FLOAT, marker=FLOAT),
              Claim("error", CAST, marker=CAST))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for span, what in setup.quantized_casts:
            error = HALF if what == ".half()" else FLOAT if what == ".float()" else CAST
            yield self.diagnostic(
                span, f"{what} on a model loaded quantized raises \"ValueError: {error}\".",
                help="pass dtype= to from_pretrained instead of casting the loaded model")
