from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import Fact, TrainingSetup
from peft_lint.knowledge import peft as peft_knowledge

ERROR = "Attempting to unscale FP16 gradients."
HALF = ("torch.float16", "torch.half", "float16", "half")


class Fp16AmpHalfTrainableParams(Rule):
    """
    ## What it does
    Finds fp16 mixed precision (`fp16=True`) with a model loaded in float16 whose PEFT setup
    trains full copies of base modules (`modules_to_save`, or the head PEFT adds for
    `task_type="SEQ_CLS"`/`"TOKEN_CLS"`), or keeps its adapter in float16
    (`autocast_adapter_dtype=False`).

    ## Why is this bad?
    fp16 AMP keeps master weights in float32 and refuses float16 trainable parameters: the
    first optimizer step raises `ValueError: Attempting to unscale FP16 gradients.` PEFT
    upcasts LoRA weights to float32 (since 0.12), but not the `modules_to_save` copies, which
    keep the base model's float16.

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, dtype=torch.float16)
    model = get_peft_model(model, LoraConfig(r=8, modules_to_save=["lm_head"]))
    Trainer(model=model, args=TrainingArguments(fp16=True, ...)).train()
    ```

    ## Use instead
    ```python
    model = AutoModelForCausalLM.from_pretrained(name)            # float32, AMP casts on the fly
    # or: TrainingArguments(bf16=True) on GPUs that support it
    # or: peft.cast_mixed_precision_params(model, dtype=torch.float16) after get_peft_model
    ```

    ## When it does not apply
    bf16 or no mixed precision; a float32 model; only LoRA weights trainable (upcast by PEFT
    >= 0.12). A dtype chosen at run time (or transformers 5's `dtype="auto"`, whose
    checkpoint dtype peft-lint cannot see) is not flagged.

    ## Fix safety
    No automatic fix.

    ## References
    - torch `amp/grad_scaler.py` `GradScaler._unscale_grads_`:
      https://github.com/pytorch/pytorch/blob/main/torch/amp/grad_scaler.py
    - https://github.com/huggingface/peft/issues/341; PEFT docs troubleshooting
    - shared/knowledge/pitfalls.md entries 31, 33, 34
    """

    code = "PFT501"
    name = "fp16-amp-half-trainable-params"
    summary = "fp16 mixed precision with float16 trainable parameters"
    severity = Severity.ERROR
    reproduction_exempt = ("fp16 mixed precision needs a CUDA GradScaler; the error is raised by "
                           "torch's GradScaler._unscale_grads_, cited in References")

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        fp16 = setup.training_arguments.get("fp16")
        if fp16 is None or not fp16.is_(True) or not setup.trains_here.is_(True):
            return
        load = next((call for call in setup.load_calls if call.span == setup.model.span), None)
        dtype = None if load is None else (load.get("dtype") or load.get("torch_dtype"))
        if dtype is None or not self._is_half(dtype):
            return
        reason = self._half_trainable(setup)
        if not reason or setup.adapter.config_span is None:
            return
        message = (f"fp16=True with a float16 model whose {reason} stay float16: fp16 AMP refuses "
                   f"half-precision trainable parameters at the first optimizer step: "
                   f"\"ValueError: {ERROR}\".")
        yield self.diagnostic(
            setup.adapter.config_span, message,
            help="load the model in float32 (AMP casts on the fly) or use bf16=True; or upcast the "
                 "trainable parameters with peft.cast_mixed_precision_params(model, torch.float16)",
            related=related(dtype.span, "float16 model") + related(fp16.span, "fp16=True"))

    def _is_half(self, dtype: Fact[object]) -> bool:
        if not dtype.known:
            return False
        value = dtype.value
        name = getattr(value, "name", value)
        return isinstance(name, str) and name in HALF

    def _half_trainable(self, setup: TrainingSetup) -> str:
        kwargs = setup.adapter.kwargs
        saved = kwargs.get("modules_to_save")
        if saved is not None and saved.known and saved.value:
            return "modules_to_save copies"
        task = kwargs.get("task_type")
        if task is not None and task.known and \
                str(task.value).rsplit(".", 1)[-1].upper() in peft_knowledge.HEAD_TASK_TYPES:
            return "classification head (added to modules_to_save for this task_type)"
        autocast = setup.wrap_options.get("autocast_adapter_dtype") if setup.wrap_options else None
        if autocast is not None and autocast.is_(False):
            return "adapter weights (autocast_adapter_dtype=False)"
        return ""
