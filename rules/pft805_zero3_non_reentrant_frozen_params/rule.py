from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import deepspeed, trl
from peft_lint.knowledge import transformers as tf
from peft_lint.knowledge.versions import version_at_least

CHECKPOINT_ERROR = ("torch.utils.checkpoint.CheckpointError: torch.utils.checkpoint: Recomputed values "
                    "for the following tensors have different metadata than during the forward pass")
FIXED_IN = "0.19.3"


class Zero3NonReentrantFrozenParams(Rule):
    """
    ## What it does
    Checks a PEFT run under DeepSpeed ZeRO-3 with non-reentrant activation checkpointing against
    the resolved DeepSpeed release.

    ## Why is this bad?
    ZeRO-3 gathers each parameter for the module that uses it and re-partitions it after. A
    non-reentrant checkpoint recomputes the block's forward inside backward; before DeepSpeed
    0.19.3, a frozen parameter (the base weights and norms of a LoRA model) was released again
    during that recompute, so the recomputed activations have another shape than the saved ones
    and the first backward stops: `torch.utils.checkpoint.CheckpointError: torch.utils.checkpoint:
    Recomputed values for the following tensors have different metadata than during the forward
    pass` (saved `{'shape': torch.Size([1024])}`, recomputed `{'shape': torch.Size([0])}`).
    Non-reentrant is the default of transformers 5 for the plain `Trainer`; TRL's trainers force
    reentrant checkpointing for PEFT under ZeRO-3 (SFT from 0.28, all of them in 1.16), but on
    transformers 5.23+ that override is lost when `gradient_checkpointing_kwargs` is not given
    (TRL writes the old field name, which the Trainer no longer reads).

    ## Example
    ```python
    # accelerate launch --config_file zero3.yaml train.py   (deepspeed==0.16.9)
    model = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear"))
    args = TrainingArguments(output_dir="out", gradient_checkpointing=True)  # transformers 5: non-reentrant
    Trainer(model=model, args=args, train_dataset=ds).train()
    ```

    ## Use instead
    ```python
    args = TrainingArguments(output_dir="out", gradient_checkpointing=True,
                             gradient_checkpointing_kwargs={"use_reentrant": True})
    ```
    On transformers 5.23+ the field is `activation_checkpointing_kwargs`. Upgrading DeepSpeed to
    0.19.3 or later fixes it too.

    ## When it does not apply
    DeepSpeed 0.19.3 and later (deepspeedai/DeepSpeed#8148), or a release peft-lint has no
    record of (an unpinned DeepSpeed resolves to the newest, which is fixed); ZeRO stages 0-2;
    reentrant checkpointing; a TRL trainer that forces reentrant checkpointing for the resolved
    versions; any of these facts unknown.

    ## What makes it certain
    ZeRO stage 3 is read from the DeepSpeed JSON or accelerate config the run uses; the model
    the trainer trains is a PEFT model (get_peft_model, or peft_config given to a TRL trainer);
    checkpointing and its variant are resolved as PFT101 resolves them (written, or the
    transformers/torch default for the versions). Whether a DeepSpeed release keeps frozen
    parameters through the recompute is read from each source archive 0.14-0.19
    (`scripts/gen_knowledge.py --behaviours`, `update_recompute_parameters`, first in 0.19.3);
    whether a TRL trainer forces reentrant checkpointing, from each TRL wheel (its warning text).

    ## Fix safety
    Reentrant checkpointing needs the inputs to require grad with frozen embeddings (the Trainer
    and TRL enable that for PEFT models); no automatic fix yet.

    ## References
    - https://github.com/huggingface/transformers/issues/47254 (qgallouedec, DeepSpeed 0.19.2:
      "This is not specific to TRL / bitsandbytes / DoRA / VLMs")
    - https://github.com/huggingface/trl/issues/2514 (open since 2024-12; only with use_reentrant False)
    - https://github.com/deepspeedai/DeepSpeed/pull/8148 (the fix, first released in 0.19.3)
    """

    code = "PFT805"
    name = "zero3-non-reentrant-frozen-params"
    summary = "PEFT under ZeRO-3 with non-reentrant checkpointing on DeepSpeed before 0.19.3"
    severity = Severity.ERROR
    reproduction_exempt = ("needs DeepSpeed ZeRO-3 partitioning parameters over accelerator devices "
                           "during a checkpoint's recompute; not attempted on this CPU-only task (no GPU "
                           "machine was lent). The release boundary is generated from DeepSpeed's source "
                           "archives; the crash is reported upstream (transformers#47254, trl#2514).")
    claims = (Claim("error", "CheckpointError", marker="CheckpointError"),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        zero = setup.deepspeed
        gc = setup.checkpointing
        if zero is None or not zero.zero_stage.is_(3) or setup.trainer.span is None:
            return
        if not setup.trainer.model_is_peft.is_(True) or not gc.enabled.is_(True) or \
                not gc.use_reentrant.is_(False):
            return
        if "deepspeed" not in setup.versions or \
                deepspeed.zero3_recompute_keeps_frozen_params(setup.version("deepspeed")) is not False:
            return
        forced = self._trl_forces_reentrant(setup)
        if forced is not False:
            return
        yield self.diagnostic(
            setup.trainer.span,
            f"This PEFT model trains under ZeRO-3 with non-reentrant activation checkpointing "
            f"({gc.use_reentrant.origin.describe()}): on {setup.version_label('deepspeed')} ZeRO-3 "
            f"re-partitions the frozen base parameters during the checkpoint's recompute, so the first "
            f"backward raises \"{CHECKPOINT_ERROR}\" (saved shape [N], recomputed [0]); DeepSpeed "
            f"{FIXED_IN} fixed it.{_lost_override(setup)}",
            help=f"set {_kwargs_field(setup)}={{\"use_reentrant\": True}}, or require deepspeed>={FIXED_IN}",
            related=[*related(zero.zero_stage.span, "ZeRO stage 3"),
                     *related(gc.enabled.span, "checkpointing enabled")])

    @staticmethod
    def _trl_forces_reentrant(setup: TrainingSetup) -> bool | None:
        """Whether a TRL trainer turns reentrant checkpointing back on (False for other trainers)."""
        kind = setup.trainer.kind
        if not kind.known or not str(kind.value).startswith("trl."):
            return False
        if "trl" not in setup.versions:
            return None
        forces = trl.forces_reentrant_for_peft_zero3(setup.version("trl"), str(kind.value))
        if not forces:
            return forces
        if not version_at_least(setup.version("transformers"), tf.ACTIVATION_CHECKPOINTING_RENAME):
            return True
        # 5.23+: TRL sets args.gradient_checkpointing_kwargs; the Trainer reads
        # activation_checkpointing_kwargs, the same dict only when the run gave one
        given = [setup.training_arguments.get(key) for key in tf.GC_KWARGS_KEYS]
        if any(fact is not None and not fact.known for fact in given):
            return None
        return any(fact is not None and fact.value is not None for fact in given)


def _lost_override(setup: TrainingSetup) -> str:
    kind = setup.trainer.kind
    if not kind.known or "trl" not in setup.versions or \
            not trl.forces_reentrant_for_peft_zero3(setup.version("trl"), str(kind.value)):
        return ""
    return (f" {setup.version_label('trl')} forces reentrant checkpointing in this configuration, but it "
            f"writes `gradient_checkpointing_kwargs`, which {setup.version_label('transformers')} no longer "
            "reads when the run gives no checkpointing kwargs.")


def _kwargs_field(setup: TrainingSetup) -> str:
    renamed = "transformers" in setup.versions and \
        version_at_least(setup.version("transformers"), tf.ACTIVATION_CHECKPOINTING_RENAME)
    return "activation_checkpointing_kwargs" if renamed else "gradient_checkpointing_kwargs"
