from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.explain import (
    ADALORA_NONE_GRAD,
    checkpointing_related,
    non_reentrant_fix,
    non_reentrant_help,
)
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import transformers as tf

NO_GRAD = "element 0 of tensors does not require grad and does not have a grad_fn"
CRASH = f"\"RuntimeError: {NO_GRAD}\" at the first backward"
SILENT = "silently never change"
WARNING = "\"UserWarning: None of the inputs have requires_grad=True. Gradients will be None\""


class ReentrantGcFrozenInputs(Rule):
    """
    ## What it does
    Finds a PEFT model (frozen base) trained with reentrant activation checkpointing while
    nothing makes the checkpointed layers' inputs require grad.

    ## Why is this bad?
    Reentrant checkpointing backpropagates into a checkpointed block only if one of its
    tensor inputs requires grad. With a frozen base the hidden states do not, so:
    - if every trainable tensor sits inside the checkpointed layers (plain causal-LM LoRA),
      the first backward raises `RuntimeError: element 0 of tensors does not require grad
      and does not have a grad_fn`;
    - if something outside them trains (a classification head, `modules_to_save`, a LoRA on
      `lm_head`, AdaLoRA's regulariser), training runs and the LoRA layers silently never
      change (lora_B stays 0; AdaLoRA's lora_E stays frozen). The only sign is
      `UserWarning: None of the inputs have requires_grad=True. Gradients will be None`;
    - with AdaLoRA and its `update_and_allocate` call, that call raises
      `TypeError: unsupported operand type(s) for *: 'Parameter' and 'NoneType'` at the first
      step, because lora_E has no gradient (seen on transformers 4.57.6 by the repro tier).

    This is the default on transformers 4.x for `Trainer(gradient_checkpointing=True)` with a
    `get_peft_model` model: the Trainer enables checkpointing with `use_reentrant=True` and
    adds no input-gradient hook.

    ## Example
    ```python
    # transformers 4.57.6
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(name), LoraConfig(...))
    Trainer(model=model, args=TrainingArguments(gradient_checkpointing=True)).train()
    ```

    ## Use instead
    ```python
    TrainingArguments(gradient_checkpointing=True,
                      gradient_checkpointing_kwargs={"use_reentrant": False})
    ```
    or call `model.enable_input_require_grads()` before training.

    ## When it does not apply
    Non-reentrant checkpointing; transformers >= 5.0 with a text model (it enables input
    gradients itself for `input_ids` models); TRL's SFTTrainer (it enables input gradients
    for PEFT models); `prepare_model_for_kbit_training` on a quantized model; checkpointing
    enabled on the base model before `get_peft_model` (PEFT adds the hook then).

    ## What makes it certain
    Fires only when all of these are known: the trained model is a PEFT model and the script
    trains (it builds a Trainer or calls `backward()`); checkpointing is on with `use_reentrant`
    True (written, or the default of transformers before 5.0); and nothing makes the inputs
    require grad: no `enable_input_require_grads()`, no `prepare_model_for_kbit_training` on a
    quantized model, no checkpointing on the base before `get_peft_model`, no axolotl adapter
    loading, no TRL trainer (TRL >= 0.24 enables input gradients for PEFT models; for older TRL
    it is Unknown), and on transformers >= 5.0 a model whose input is known not to be
    `input_ids` (a vision or audio class). Versions are the resolved ones: given, pinned or
    installed, else the newest release peft-lint knows (the output's `versions:` line says
    which).

    Input gradients enabled on one path only, the model passed to code peft-lint cannot read, or
    a model input that is not known keep the rule silent, and a note says so. Whether the run
    crashes or silently trains nothing depends on what else is trainable; when that is not known
    the message names both outcomes (both are errors).

    Reproduced on transformers 4.57.6 (Trainer, classification head, AdaLoRA) and, for a ViT,
    5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    Safe, with the same edits as `adalora-reentrant-gc-ddp`: a written `use_reentrant: true`
    becomes false; a default gets the one setting that changes it (the call's
    `gradient_checkpointing_kwargs`, a YAML line, or LLaMA-Factory's `use_reentrant_gc: false`).
    No automatic fix for a command-line flag, a JSON file or values built at run time.

    ## References
    - https://github.com/huggingface/peft/issues/137, https://github.com/huggingface/transformers/issues/25841
    - torch `utils/checkpoint.py` `CheckpointFunction` / `check_backward_validity`
    - transformers 4.57.6 `modeling_utils.py` `gradient_checkpointing_enable` (hook only for
      `_hf_peft_config_loaded`); 5.24.0 `_activation_checkpointing_enable` (hook for `input_ids` models)
    - reproduced on CPU with torchrun (2 processes, gloo) by peft-lint's repro tier
    """

    code = "PFT103"
    name = "reentrant-gc-frozen-inputs"
    summary = "Reentrant checkpointing of a frozen model without input gradients"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT103]"
    claims = (
        Claim("error", NO_GRAD, marker=NO_GRAD), Claim("adapter-untrained", marker=SILENT),
              Claim("error", ADALORA_NONE_GRAD, marker=ADALORA_NONE_GRAD))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        gc = setup.checkpointing
        if not (setup.trainer.model_is_peft.is_(True) and gc.enabled.is_(True)
                and gc.use_reentrant.is_(True) and gc.input_grads.is_(False)):
            return
        if not setup.trains_here.is_(True):
            return
        span = setup.trainer.peft_wrap_span or setup.trainer.span
        if span is None:
            return
        outside = setup.adapter.trains_outside_blocks
        allocates = any(not call.never_runs and not call.after_zero_grad
                        for call in setup.allocation_calls)
        if setup.adapter.method.is_("adalora") and allocates:
            effect = ("AdaLoRA's singular values (lora_E) inside the checkpointed layers get no "
                      f"gradient, so the first update_and_allocate raises \"TypeError: "
                      f"{ADALORA_NONE_GRAD}\"")
        elif outside.is_(True):
            effect = ("training runs but the adapter layers inside the checkpointed blocks "
                      f"{SILENT}; the only sign is {WARNING}")
            if setup.adapter.method.is_("adalora"):
                effect += " (AdaLoRA's lora_E never trains)"
        elif outside.is_(False):
            effect = f"it crashes with {CRASH}"
        else:
            effect = (f"it crashes with {CRASH}, or, if something outside the checkpointed layers "
                      "is trainable, silently leaves the adapter layers untrained")
        why = (f"{setup.version_label('transformers')} does not enable input gradients for this model"
               if not tf.adds_input_grads_for_text_models(setup.version("transformers"))
               else "the model's input is not `input_ids`, so transformers does not enable input "
                    "gradients for it")
        message = (f"Reentrant gradient checkpointing with a frozen base and no input gradients: "
                   f"{effect}. Reentrant checkpointing only backpropagates into a block whose "
                   f"inputs require grad, and {why}.")
        help_text = non_reentrant_help(setup) + "; or call model.enable_input_require_grads() " \
            "before training"
        yield self.diagnostic(span, message, help=help_text, related=checkpointing_related(setup),
                              fix=non_reentrant_fix(setup))
