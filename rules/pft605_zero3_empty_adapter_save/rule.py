from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import Span, TrainingSetup
from peft_lint.knowledge import transformers as tf

if TYPE_CHECKING:  # pydantic loads only for runs with a DeepSpeed config
    from peft_lint.facts.deepspeed_config import DeepSpeedConfig

SYMPTOM = ("writes an adapter_model.safetensors of a few bytes (un-gathered ZeRO-3 shards); loading "
           "it fails with \"size mismatch ... copying a param with shape torch.Size([0])\"")


class Zero3EmptyAdapterSave(Rule):
    """
    ## What it does
    Finds an adapter saved under DeepSpeed ZeRO-3 without gathering the partitioned weights:
    `trainer.save_model()` on transformers < 5.0 when the DeepSpeed config does not set
    `stage3_gather_16bit_weights_on_model_save: true`, and `model.save_pretrained(...)` on
    the trained PEFT model after `trainer.train()` on any version.

    ## Why is this bad?
    Under ZeRO-3 every rank holds only a shard of each parameter; outside DeepSpeed's gather
    each adapter tensor has shape `[0]`. The save succeeds and writes a 40-byte adapter after
    hours of training; loading it fails with `RuntimeError: Error(s) in loading state_dict ...
    size mismatch for ...lora_A.default.weight: copying a param with shape torch.Size([0])`.
    transformers 5.0 fixed `Trainer.save_model` for PEFT models (it gathers the trainable
    parameters), not direct `save_pretrained` calls.

    ## Example
    ```python
    trainer.train()
    model.save_pretrained("adapter")     # ZeRO-3: empty shards
    ```

    ## Use instead
    ```python
    trainer.train()
    trainer.save_model("adapter")        # transformers >= 5, or the gather flag on 4.x
    ```
    ```json
    {"zero_optimization": {"stage": 3, "stage3_gather_16bit_weights_on_model_save": true}}
    ```

    ## When it does not apply
    ZeRO stages 0-2; transformers >= 5.0 with `trainer.save_model`; the gather flag set on 4.x.

    ## What makes it certain
    Fires only when the DeepSpeed ZeRO stage is known to be 3 (the config named by the training
    arguments or by the accelerate config, among the files of the run) and the trained model is
    a PEFT model; then for `model.save_pretrained(...)` on the trained model after
    `trainer.train()`, on any transformers version; and for `trainer.save_model()` only when the
    resolved transformers is < 5.0 and the config writes
    `stage3_gather_16bit_weights_on_model_save` (or accelerate's `zero3_save_16bit_model`) as a
    literal false. An absent flag, or one it cannot read, counts as gathering: silent. Versions
    are the resolved ones: given, pinned or installed, else the newest release peft-lint knows
    (the output's `versions:` line says which).

    Not reproduced (ZeRO-3 needs the deepspeed package and GPUs); the save fix is transformers
    PR #41416.

    ## Fix safety
    No automatic fix yet.

    ## References
    - https://github.com/huggingface/transformers/pull/41416 (5.0: gather trainable params on save)
    - https://github.com/huggingface/trl/issues/4416, https://github.com/huggingface/peft/issues/2892
    - https://github.com/huggingface/trl/issues/41416
    - https://github.com/huggingface/peft/issues/453
    - https://github.com/huggingface/peft/issues/2450
    - https://github.com/huggingface/accelerate/issues/3508
    """

    code = "PFT605"
    name = "zero3-empty-adapter-save"
    summary = "Adapter saved from un-gathered ZeRO-3 shards"
    severity = Severity.ERROR
    reproduction_exempt = "DeepSpeed ZeRO-3 needs the deepspeed package and GPUs; fix cited in References"

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        deepspeed = setup.deepspeed
        if deepspeed is None or not deepspeed.zero_stage.is_(3):
            return
        if not setup.trainer.model_is_peft.is_(True):
            return
        for span in setup.saves_after_training:
            yield self._report(span, "model.save_pretrained(...) after training under ZeRO-3 "
                                     f"{SYMPTOM}.", deepspeed.zero_stage.span,
                               "save with trainer.save_model(...) (transformers >= 5 gathers the "
                               "adapter), or gather first: state_dict = "
                               "trainer.accelerator.get_state_dict(trainer.model)")
        if tf.non_reentrant_by_default(setup.version("transformers")) or self._gathers(deepspeed.config):
            return
        for span in setup.save_model_spans:
            yield self._report(span, f"trainer.save_model() under ZeRO-3 on "
                                     f"{setup.version_label('transformers')} without "
                                     f"stage3_gather_16bit_weights_on_model_save {SYMPTOM}.",
                               deepspeed.zero_stage.span,
                               "set \"stage3_gather_16bit_weights_on_model_save\": true in "
                               "zero_optimization, or upgrade to transformers >= 5.0")

    def _gathers(self, config: DeepSpeedConfig) -> bool:
        """stage3_gather_16bit_weights_on_model_save (DeepSpeed JSON) or zero3_save_16bit_model
        (accelerate config); absent or unknown counts as gathering."""
        flag = config.gather_16bit_weights_on_save
        return not flag.is_set or flag.value is True

    def _report(self, span: Span, message: str, stage_span: Span | None, fix: str) -> Diagnostic:
        return self.diagnostic(span, message, help=fix, related=related(stage_span, "ZeRO stage 3"))
