from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.explain import fsdp_option
from peft_lint.facts.model import TrainingSetup


class FsdpShardedFinalSave(Rule):
    """
    ## What it does
    Finds `trainer.save_model()` in an FSDP run whose state dict type is
    `SHARDED_STATE_DICT`, when the script never switches to `FULL_STATE_DICT` before saving.

    ## Why is this bad?
    Under FSDP, `Trainer.save_model` writes files only when the state dict type is
    `FULL_STATE_DICT`. With `SHARDED_STATE_DICT` (the PEFT FSDP-QLoRA example config uses it)
    the final save silently writes no adapter: only the sharded intermediate checkpoints exist
    when the job ends.

    ## Example
    ```yaml
    fsdp_config: {fsdp_state_dict_type: SHARDED_STATE_DICT}
    ```
    ```python
    trainer.train()
    trainer.save_model()
    ```

    ## Use instead
    ```python
    if trainer.is_fsdp_enabled:
        trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")
    trainer.save_model()
    ```

    ## When it does not apply
    `FULL_STATE_DICT`; scripts that switch before saving (as PEFT's `examples/sft/train.py`).

    ## What makes it certain
    Fires only when the run is known to be FSDP, the accelerate config of its
    `accelerate launch` sets `fsdp_state_dict_type: SHARDED_STATE_DICT` literally, the script
    calls `trainer.save_model()`, and `"FULL_STATE_DICT"` appears nowhere in the script as a
    string literal (any such literal counts as a switch before saving). An `fsdp_config` passed
    to the training arguments is not read.

    Not reproduced (FSDP needs several GPUs); the save branch is transformers'
    `Trainer.save_model`.

    ## Fix safety
    No automatic fix yet.

    ## References
    - transformers `trainer.py` `Trainer.save_model` (FSDP branch):
      https://github.com/huggingface/transformers/blob/main/src/transformers/trainer.py
    - peft `examples/sft/train.py` and `examples/sft/configs/fsdp_config_qlora.yaml`
    """

    code = "PFT606"
    name = "fsdp-sharded-final-save"
    summary = "save_model under FSDP SHARDED_STATE_DICT writes no adapter"
    severity = Severity.ERROR
    reproduction_exempt = "FSDP needs several GPUs; the save branch is cited in References"

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        state_dict = fsdp_option(setup, "fsdp_state_dict_type", "state_dict_type")
        if state_dict is None or not state_dict.is_("SHARDED_STATE_DICT"):
            return
        if setup.switches_to_full_state_dict:
            return
        for span in setup.save_model_spans:
            yield self.diagnostic(
                span, "Under FSDP with SHARDED_STATE_DICT, trainer.save_model() writes files only for "
                      "FULL_STATE_DICT: the final adapter is silently not saved; only the sharded "
                      "intermediate checkpoints remain.",
                help="before saving: trainer.accelerator.state.fsdp_plugin.set_state_dict_type("
                     "\"FULL_STATE_DICT\")",
                related=related(state_dict.span, "SHARDED_STATE_DICT"))
