from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.model import TrainingSetup

HALF_CASTS = (".half()", ".to(torch.float16)", ".to(torch.half)", ".to(torch.bfloat16)")


class AdapterKeptInHalfPrecision(Rule):
    """
    ## What it does
    Finds adapter weights put in half precision: `model.half()` / `model.to(torch.float16)` /
    `model.to(torch.bfloat16)` on the PEFT model after `get_peft_model`, or
    `get_peft_model(..., autocast_adapter_dtype=False)`.

    ## Why is this bad?
    PEFT keeps adapter weights in float32 (since 0.12) because small updates vanish in half
    precision. Casting after wrapping undoes it: bf16 adapters train a bit worse, fp16
    adapters crash fp16 mixed precision ("Attempting to unscale FP16 gradients"), and a
    DoRA magnitude in bf16 can stop updating.

    ## Example
    ```python
    model = get_peft_model(model, config)
    model = model.to(torch.bfloat16)
    ```

    ## Use instead
    ```python
    model = model.to(torch.bfloat16)          # cast the base first
    model = get_peft_model(model, config)     # adapters stay float32
    ```

    ## When it does not apply
    Casting the base before wrapping; DeepSpeed runs (DeepSpeed keeps fp32 master weights of
    half-precision parameters, and ZeRO-3 needs one dtype on purpose).

    ## What makes it certain
    Fires only in a script that trains: for `.half()`, `.to(torch.float16)`, `.to(torch.half)`
    or `.to(torch.bfloat16)` called on the PEFT model after `get_peft_model` and before training
    starts; or for `autocast_adapter_dtype=False` written on `get_peft_model`, unless the ZeRO
    stage is known to be 3. A cast or flag computed at run time keeps it silent. A warning: the
    run trains, only worse.

    PEFT keeps adapters in float32 since 0.12 (PR #1706); not reproduced.

    ## Fix safety
    No automatic fix yet.

    ## References
    - https://github.com/huggingface/peft/pull/1706 (autocast_adapter_dtype)
    - PEFT docs "Selecting the dtype of the adapter"
    """

    code = "PFT502"
    name = "adapter-kept-in-half-precision"
    summary = "Adapter weights cast to half precision after wrapping"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if setup.distributed.strategy.is_("deepspeed") or (not setup.distributed.strategy.known and \
                setup.deepspeed is not None):
            return  # DeepSpeed trains from its own fp32 master copy of the half-precision weights
        for span, what in setup.peft_casts:
            if what in HALF_CASTS:
                yield self.diagnostic(
                    span, f"{what} on the PEFT model casts the adapter weights too, which PEFT keeps "
                          "in float32: small updates get lost, and fp16 adapters crash fp16 mixed "
                          "precision.", help="cast the base model before get_peft_model")
        options = setup.wrap_options
        autocast = options.get("autocast_adapter_dtype") if options else None
        if options and autocast is not None and autocast.is_(False):
            deepspeed = setup.deepspeed
            if deepspeed is not None and deepspeed.zero_stage.is_(3):
                return  # ZeRO-3 needs one dtype; TRL does the same on purpose
            yield self.diagnostic(
                autocast.span or options.span,
                "autocast_adapter_dtype=False keeps the adapter in the base model's half precision: "
                "small updates get lost, and fp16 adapters crash fp16 mixed precision.",
                help="leave autocast_adapter_dtype at its default (True)")
