from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import TrainingSetup

# bitsandbytes' 8-bit optimizers as TrainingArguments.optim names them
BNB_8BIT_OPTIMIZERS = frozenset({
    "adamw_bnb_8bit", "adamw_8bit", "paged_adamw_8bit", "lion_8bit", "paged_lion_8bit",
    "ademamix_8bit", "paged_ademamix_8bit", "rmsprop_bnb_8bit", "rmsprop_8bit",
})


class Fsdp8bitOptimizer(Rule):
    """
    ## What it does
    Finds an FSDP run that trains with one of bitsandbytes' 8-bit optimizers (`optim=
    "paged_adamw_8bit"`, `"adamw_bnb_8bit"`, ...) and saves checkpoints.

    ## Why is this bad?
    The 8-bit optimizer state is kept in quantized blocks that FSDP's optimizer state dict
    cannot gather: the run trains until the first checkpoint, and saving it fails (in
    `FSDP.optim_state_dict`, from accelerate's `save_fsdp_optimizer`), after `save_steps` of paid
    GPU time. PEFT's FSDP guide: "When using FSDP+QLoRA, `paged_adamw_8bit` currently results in
    an error when saving a checkpoint." axolotl refuses FSDP2 with these optimizers outright.

    ## Example
    ```yaml
    optim: paged_adamw_8bit
    save_strategy: steps
    save_steps: 500
    ```

    ## Use instead
    ```yaml
    optim: adamw_torch_fused
    ```

    ## When it does not apply
    No FSDP; `save_strategy: "no"`; 32-bit optimizers (`paged_adamw_32bit`); values not known.

    ## What makes it certain
    A warning: the failure is documented by PEFT and reported upstream but not tied to a release
    range here, and it needs GPUs to reproduce. The backend comes from the launcher, `optim` and
    `save_strategy` from the arguments (written, or the release's defaults).

    ## Fix safety
    A 32-bit optimizer needs more memory for its state; no automatic fix.

    ## References
    - PEFT `docs/source/accelerate/fsdp.md` (caveats: "`paged_adamw_8bit` currently results in an
      error when saving a checkpoint")
    - https://github.com/huggingface/accelerate/issues/1362, https://github.com/axolotl-ai-cloud/axolotl/issues/2744
    """

    code = "PFT816"
    name = "fsdp-8bit-optimizer"
    summary = "FSDP with a bitsandbytes 8-bit optimizer fails when saving checkpoints"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        optim = setup.training_arguments.get("optim")
        save = setup.training_arguments.get("save_strategy")
        if setup.trainer.span is None or not setup.distributed.strategy.is_("fsdp") or optim is None or \
                save is None or not optim.known or not save.known:
            return
        name = str(getattr(optim.value, "value", optim.value))
        saving = str(getattr(save.value, "value", save.value))
        if name not in BNB_8BIT_OPTIMIZERS or saving in ("no", "NO"):
            return
        yield self.diagnostic(
            optim.span if optim.origin.kind == "written" and optim.span else setup.trainer.span,
            f"optim \"{name}\" keeps bitsandbytes' 8-bit optimizer state, which FSDP cannot gather: the run "
            f"trains until its first checkpoint (save_strategy \"{saving}\") and fails saving it.",
            help="use a 32-bit optimizer (adamw_torch_fused, or paged_adamw_32bit for paging)",
            related=related(setup.distributed.strategy.span, "FSDP run"))
