from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import peft


class PatchedStateDictEmptyAdapter(Rule):
    """
    ## What it does
    Finds the alpaca-lora patch of a PEFT model's `state_dict`

    ```python
    old_state_dict = model.state_dict
    model.state_dict = (lambda self, *_, **__: get_peft_model_state_dict(self, old_state_dict())
                        ).__get__(model, type(model))
    ```

    on a model the run then saves, and checks it against the resolved peft release.

    ## Why is this bad?
    The patch makes `model.state_dict()` return the adapter's weights already extracted, with
    the adapter name (`.default`) taken out of their keys. `save_pretrained` (and every
    checkpoint the Trainer writes) extracts them a second time, and peft 0.4-0.19 keep only
    keys that name the adapter: none is left. The run trains and writes an
    `adapter_model.safetensors` (or `.bin`) without a single tensor, a few hundred bytes; loading
    it later gives the untrained base model (tloen/alpaca-lora#293, #446). From peft 0.20,
    `get_peft_model_state_dict` drops the keys of other adapters instead, and the patch is
    harmless.

    ## Example
    ```python
    model.state_dict = (lambda self, *_, **__: get_peft_model_state_dict(self, old_state_dict())
                        ).__get__(model, type(model))
    trainer.train()
    model.save_pretrained(output_dir)
    ```

    ## Use instead
    ```python
    trainer.train()
    model.save_pretrained(output_dir)  # PeftModel.save_pretrained saves the adapter alone
    ```

    ## When it does not apply
    peft 0.20 and later, or a release peft-lint has no record of; the patch on one arm of a
    branch decided at run time; a model that is not saved after the patch.

    ## What makes it certain
    The assignment to `<model>.state_dict` calls `get_peft_model_state_dict`, the model is the
    PEFT model that trains, and it is saved after the patch (`save_pretrained`, or the Trainer
    with a save strategy other than "no"). Whether a release keeps only keys naming the adapter
    is read from `peft/utils/save_and_load.py` of every release 0.4-0.21 (`scripts/gen_knowledge.py
    --behaviours`); the patched save was run on a tiny Llama with every one of them: 0 tensors on
    0.4.0-0.19.1, all 8 LoRA tensors from 0.20.0.

    ## Fix safety
    Removing the patch is safe on every peft release; no automatic fix yet.

    ## References
    - https://github.com/tloen/alpaca-lora/issues/293, https://github.com/tloen/alpaca-lora/issues/446
    - peft `utils/save_and_load.py` `get_peft_model_state_dict` (0.19.1: `if (("lora_" in k and
      adapter_name in k) or ("bias" in k))`; 0.20.0: `_filter_state_dict_for_adapter_name`)
    """

    code = "PFT807"
    name = "patched-state-dict-empty-adapter"
    summary = "model.state_dict patched with get_peft_model_state_dict saves an empty adapter"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT807]"
    claims = (Claim("empty-adapter"),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        patch = setup.state_dict_patch
        if patch is None or not setup.saves_after_patch or "peft" not in setup.versions:
            return
        if peft.patched_state_dict_saves_empty(setup.version("peft")) is not True:
            return
        yield self.diagnostic(
            patch,
            f"This patch makes model.state_dict() return the adapter weights already extracted, without "
            f"their adapter name; {setup.version_label('peft')} extracts them again when saving and keeps "
            f"only keys that name the adapter, so the saved adapter file holds no tensor: the run trains, "
            f"and what it saves loads as the untrained base model.",
            help="remove the patch: PeftModel.save_pretrained saves the adapter alone "
                 "(or require peft>=0.20)",
            related=[item for span in setup.saves_after_patch for item in related(span, "saved here")])
