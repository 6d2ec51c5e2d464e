from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.explain import fsdp_option
from peft_lint.facts.model import TrainingSetup

ERROR = "Cannot flatten integer dtype tensors"


class FsdpQloraQuantStorage(Rule):
    """
    ## What it does
    Finds FSDP (version 1, accelerate's default) with a 4-bit `BitsAndBytesConfig` that leaves
    `bnb_4bit_quant_storage` at its default (`torch.uint8`) or sets it to a dtype other than the
    model's `dtype`.

    ## Why is this bad?
    FSDP flattens each unit's parameters into one tensor of one floating dtype. 4-bit weights
    stored as uint8 cannot be flattened: `ValueError: Cannot flatten integer dtype tensors`;
    a storage dtype different from the model's dtype gives `ValueError: Must flatten tensors
    with uniform dtype but got torch.bfloat16 and torch.float32`. (FSDP2 runs, but leaves the
    4-bit weights unsharded, so QLoRA saves no memory.)

    ## Example
    ```python
    BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
    ```

    ## Use instead
    ```python
    BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                       bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_quant_storage=torch.bfloat16)
    # and from_pretrained(..., dtype=torch.bfloat16)
    ```

    ## When it does not apply
    No FSDP; `fsdp_version: 2`; 8-bit loading; storage dtype equal to the model dtype.

    ## What makes it certain
    Fires only when the run is known to be FSDP, the FSDP version is not set (accelerate's
    default, 1) or set to 1 in the accelerate config, and a `BitsAndBytesConfig` whose arguments
    are all known has `load_in_4bit` known True and no `bnb_4bit_quant_storage`. A storage dtype
    that is passed is not compared with the model's dtype (no finding); a value computed at run
    time keeps it silent.

    Not reproduced (FSDP with bitsandbytes needs GPUs); the flattening check is torch's
    `_flat_param.py`.

    ## Fix safety
    No automatic fix yet.

    ## References
    - PEFT docs `accelerate/fsdp.md` (FSDP + QLoRA), torch `distributed/fsdp/_flat_param.py`:
      https://github.com/huggingface/peft/blob/main/docs/source/accelerate/fsdp.md
    - https://github.com/huggingface/peft/issues/1432; shared/knowledge/pitfalls.md entry 35
    """

    code = "PFT308"
    name = "fsdp-qlora-quant-storage"
    summary = "FSDP with 4-bit weights stored as uint8"
    severity = Severity.ERROR
    reproduction_exempt = "FSDP with bitsandbytes needs GPUs; the flattening check is cited in References"

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if not setup.distributed.strategy.is_("fsdp"):
            return
        version = fsdp_option(setup, "fsdp_version", "version")
        if version is not None and (not version.known or str(version.value) != "1"):
            return
        for config in setup.quantization_configs:
            if not config.canonical.endswith("BitsAndBytesConfig") or not config.complete:
                continue
            four_bit = config.get("load_in_4bit")
            if four_bit is None or not four_bit.is_(True):
                continue
            storage = config.get("bnb_4bit_quant_storage")
            if storage is None:
                yield self.diagnostic(
                    config.span, "4-bit weights are stored as torch.uint8 (the default "
                                 "bnb_4bit_quant_storage) in an FSDP run: FSDP cannot flatten them "
                                 f"and stops with \"ValueError: {ERROR}\".",
                    help="set bnb_4bit_quant_storage=torch.bfloat16 and load with dtype=torch.bfloat16")
