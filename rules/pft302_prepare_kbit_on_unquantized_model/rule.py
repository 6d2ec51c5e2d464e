from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import TrainingSetup


class PrepareKbitOnUnquantizedModel(Rule):
    """
    ## What it does
    Finds `prepare_model_for_kbit_training` called on a model loaded without quantization.

    ## Why is this bad?
    It is often recommended "to fix gradient checkpointing", also on non-quantized models
    (peft#1745). On such a model it does not do that: it freezes every parameter and upcasts
    every fp16/bf16 parameter to fp32 (the whole model, not only the norms), roughly doubling
    the memory of a half-precision model, and it neither enables gradient checkpointing nor
    adds the input-gradient hook: that branch runs only for quantized models. A crash that
    "went away" after adding it went away because checkpointing was never turned on.

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, dtype=torch.bfloat16)
    model = prepare_model_for_kbit_training(model)
    ```

    ## Use instead
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, dtype=torch.bfloat16)
    args = TrainingArguments(gradient_checkpointing=True,
                             gradient_checkpointing_kwargs={"use_reentrant": False})
    ```

    ## When it does not apply
    A model loaded with `quantization_config` (bitsandbytes, GPTQ, AWQ, ...). A model id that
    looks like a checkpoint saved pre-quantized (GPTQ, AWQ, bnb-4bit, ...) is not flagged.

    ## What makes it certain
    Fires only when `prepare_model_for_kbit_training` is called before `get_peft_model` on a
    model known to be loaded without quantization: a `from_pretrained` call whose arguments are
    all known (no `**` computed at run time) with no `quantization_config` or `load_in_*`, or a
    model built `from_config`. A model id that looks pre-quantized (GPTQ, AWQ, bnb-4bit, ...)
    makes the quantization Unknown and the rule silent. A model id chosen at run time counts as
    not quantized: the finding stays a warning and its message adds that a pre-quantized
    checkpoint named at run time would be the exception.

    The branch condition is peft's `prepare_model_for_kbit_training`; with and without the call
    the checksums were identical on transformers 5.24.0 and 4.57.6 (repro-ddp.md scenario 4).

    ## Fix safety
    No automatic fix: removing the call also changes which parameters are fp32.

    ## References
    - peft `utils/other.py` `prepare_model_for_kbit_training` (the checkpointing branch needs
      `loaded_in_kbit or gptq or aqlm or eetq or hqq or torchao`)
    - https://github.com/huggingface/peft/issues/1745, bitsandbytes-foundation/bitsandbytes#1569
    - reproduced on CPU with torchrun (2 processes, gloo) by peft-lint's repro tier (identical
      checksums with and without it)
    """

    code = "PFT302"
    name = "prepare-kbit-on-unquantized-model"
    summary = "prepare_model_for_kbit_training on a model that is not quantized"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for call in setup.kbit_prepare_calls:
            if not (call.model_quantized.is_(False) and call.on_peft_model.is_(False)):
                continue
            message = ("prepare_model_for_kbit_training on a model loaded without quantization "
                       "does not enable gradient checkpointing or input gradients (that branch "
                       "runs only for quantized models); it only freezes every parameter and "
                       "upcasts every fp16/bf16 parameter to fp32, the whole model.")
            chosen_at_run_time = "run time" in call.model_quantized.origin.detail
            if chosen_at_run_time:
                message += (" (Unless the model named at run time is a checkpoint saved quantized, "
                            "such as GPTQ or AWQ.)")
            found = self.diagnostic(
                call.span, message,
                help="remove the call; enable checkpointing with gradient_checkpointing=True and "
                     "gradient_checkpointing_kwargs={\"use_reentrant\": False} in the training "
                     "arguments",
                related=related(call.model_load_span, "loaded without quantization_config"))
            # the model is chosen at run time: it may be a checkpoint saved quantized
            yield replace(found, severity=Severity.INFO) if chosen_at_run_time else found
