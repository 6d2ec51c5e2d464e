from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import Fact, TrainingSetup
from peft_lint.knowledge import peft as peft_knowledge

ERROR = "Attempting to unscale FP16 gradients."


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
    >= 0.12); transformers 4.x without a dtype (it loads float32). Without a dtype on
    transformers >= 5, or with `dtype="auto"`, the weights keep the checkpoint's dtype: peft-lint
    reads it from a local checkpoint's config.json (`dtype`/`torch_dtype`) or from the few hub
    ids it knows, and stays silent when it cannot tell. A dtype chosen at run time is not flagged.

    ## What makes it certain
    Fires only when the script trains, `fp16` is known True in the training arguments, the
    weights are known to load as float16 (a written `dtype`/`torch_dtype`; or, without one on
    transformers >= 5.0 or with `dtype="auto"`, the checkpoint's dtype from a local
    `config.json` or from the few hub ids peft-lint has on record), and something in half
    precision is known to train: a non-empty `modules_to_save`, a `task_type` that adds a head
    (`SEQ_CLS`, `TOKEN_CLS`, `QUESTION_ANS`), or `autocast_adapter_dtype=False` on
    `get_peft_model`. Without a dtype on transformers 4.x the weights are float32 and it is
    silent; a dtype that is not known keeps it silent. Versions are the resolved ones: given,
    pinned or installed, else the newest release peft-lint knows (the output's `versions:` line
    says which).

    Not reproduced (fp16 AMP needs a CUDA GradScaler); the load default was checked with
    transformers 5.24, the refusal is torch's `GradScaler._unscale_grads_`.

    ## Fix safety
    No automatic fix.

    ## References
    - torch `amp/grad_scaler.py` `GradScaler._unscale_grads_`:
      https://github.com/pytorch/pytorch/blob/main/torch/amp/grad_scaler.py
    - https://github.com/huggingface/peft/issues/341; PEFT docs troubleshooting
    - transformers `from_pretrained` defaults to `dtype="auto"` since 5.0:
      https://github.com/huggingface/transformers/pull/42805 (checked with 5.24: a float16
      checkpoint saved with `"dtype": "float16"` loads as torch.float16 without a dtype argument)
    - https://github.com/axolotl-ai-cloud/axolotl/issues/1031
    - https://github.com/huggingface/transformers/issues/30559
    - https://github.com/oobabooga/textgen/issues/5268
    - https://github.com/huggingface/trl/issues/4770
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
        dtype = setup.model.weights_dtype
        if not dtype.is_("float16"):
            return
        reason = self._half_trainable(setup)
        if not reason or setup.adapter.config_span is None:
            return
        loaded = "a float16 model"
        if dtype.origin.kind == "derived":
            loaded = ("a model whose float16 checkpoint loads as float16 (from_pretrained keeps the "
                      "checkpoint dtype by default since transformers 5.0, and with dtype=\"auto\")")
        message = (f"fp16=True with {loaded}: its {reason} train in float16, and fp16 AMP refuses "
                   f"half-precision trainable parameters at the first optimizer step: "
                   f"\"ValueError: {ERROR}\".")
        yield self.diagnostic(
            setup.adapter.config_span, message,
            help="load the model with dtype=torch.float32 (AMP casts on the fly) or use bf16=True; "
                 "or upcast the trainable parameters with "
                 "peft.cast_mixed_precision_params(model, torch.float16)",
            related=related(dtype.span, self._dtype_label(dtype)) + related(fp16.span, "fp16=True"))

    def _dtype_label(self, dtype: Fact[str]) -> str:
        if dtype.origin.kind == "derived":
            return f"float16: {dtype.origin.detail}"
        return "float16 model"

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
