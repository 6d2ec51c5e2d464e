from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.explain import fsdp_option
from peft_lint.facts.model import Fact, TrainingSetup
from peft_lint.knowledge import accelerate
from peft_lint.knowledge.versions import version_at_least

ERROR = "Cannot flatten integer dtype tensors"
FSDP2_ERROR = "RuntimeError: only Tensors of floating point dtype can require gradients"


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
    with uniform dtype but got torch.bfloat16 and torch.float32`.

    FSDP2 (`fsdp_version: 2`) turns each parameter into a DTensor; before accelerate 1.14, uint8
    4-bit weights either stop `fully_shard` with `RuntimeError: only Tensors of floating point
    dtype can require gradients` or lose their quant_state silently (loss 0.0, grad_norm nan).
    From accelerate 1.14 (with torch 2.7) they are left out of the sharding with a warning: the
    run trains, but each GPU holds the whole quantized model (a warning here).

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
    No FSDP; 8-bit loading; storage dtype equal to the model dtype; under FSDP2, an accelerate
    release peft-lint has no record of.

    ## What makes it certain
    Fires only when the run is known to be FSDP, the FSDP version is not set (accelerate's
    default, 1) or set to 1 in the accelerate config, and a `BitsAndBytesConfig` whose arguments
    are all known has `load_in_4bit` known True and no `bnb_4bit_quant_storage`. A storage dtype
    that is passed is not compared with the model's dtype (no finding); a value computed at run
    time keeps it silent.

    Under FSDP2, whether the release leaves integer 4-bit weights out of the sharding is read
    from `accelerate/utils/fsdp_utils.py` of every release 0.20-1.15 (`scripts/gen_knowledge.py
    --behaviours`: the exclusion of huggingface/accelerate#3987, first in 1.14.0).

    Not reproduced (FSDP with bitsandbytes needs GPUs); the flattening check is torch's
    `_flat_param.py`.

    ## Fix safety
    No automatic fix yet.

    ## References
    - PEFT docs `accelerate/fsdp.md` (FSDP + QLoRA), torch `distributed/fsdp/_flat_param.py`:
      https://github.com/huggingface/peft/blob/main/docs/source/accelerate/fsdp.md
    - https://github.com/huggingface/peft/issues/1432
    - https://github.com/huggingface/trl/issues/1375
    - https://github.com/huggingface/trl/issues/1723
    - https://github.com/huggingface/trl/issues/1854
    - https://github.com/hiyouga/LlamaFactory/issues/3853
    - https://github.com/huggingface/accelerate/issues/3983 (FSDP2 + uint8 storage: crash or
      loss 0.0), https://github.com/huggingface/accelerate/pull/3987 (the exclusion, 1.14.0)
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
        if version is not None and version.known and str(version.value) == "2":
            yield from self._fsdp2(setup, version)
            return
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

    def _fsdp2(self, setup: TrainingSetup, version: Fact[object]) -> Iterator[Diagnostic]:
        """FSDP2: fully_shard turns parameters into DTensors; 4-bit weights stored as uint8 do
        not survive it unless accelerate leaves them out of the sharding (1.14+, torch 2.7+)."""
        configs = [config for config in setup.quantization_configs
                   if config.canonical.endswith("BitsAndBytesConfig") and config.complete
                   and (four_bit := config.get("load_in_4bit")) is not None and four_bit.is_(True)
                   and config.get("bnb_4bit_quant_storage") is None]
        if not configs or "accelerate" not in setup.versions or "torch" not in setup.versions:
            return
        excludes = accelerate.fsdp2_excludes_integer_params4bit(setup.version("accelerate"))
        if excludes is None:
            return
        torch_ready = version_at_least(setup.version("torch"), accelerate.FSDP2_IGNORED_PARAMS_TORCH)
        fix = "set bnb_4bit_quant_storage=torch.bfloat16 and load with dtype=torch.bfloat16"
        stored = ("4-bit weights are stored as torch.uint8 (the default bnb_4bit_quant_storage) in an "
                  "FSDP2 run")
        for config in configs:
            if excludes and torch_ready:
                yield replace(self.diagnostic(
                    config.span,
                    f"{stored}: {setup.version_label('accelerate')} leaves them out of the sharding "
                    "(\"Found N non-floating frozen Params4bit. Excluding from FSDP2 sharding\"), so every "
                    "GPU holds the whole quantized model and FSDP saves no memory on it.",
                    help=fix, related=related(version.span, "fsdp_version: 2")), severity=Severity.WARNING)
                continue
            why = f"{setup.version_label('accelerate')} shards them" if not excludes else \
                f"{setup.version_label('torch')} lacks fully_shard's ignored_params, which accelerate " \
                "needs to leave them out"
            yield self.diagnostic(
                config.span,
                f"{stored} and {why}: fully_shard either stops with \"{FSDP2_ERROR}\" or silently destroys "
                "their quant_state (loss 0.0, grad_norm nan from the first step); accelerate 1.14 with "
                "torch 2.7 leaves them unsharded instead.",
                help=fix, related=related(version.span, "fsdp_version: 2"))
