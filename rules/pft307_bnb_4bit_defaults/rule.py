from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.model import TrainingSetup

DEFAULTS = {
    "bnb_4bit_quant_type": "\"fp4\" (QLoRA uses \"nf4\")",
    "bnb_4bit_compute_dtype": "torch.float32 (slow; bitsandbytes warns that the input type differs)",
}


class Bnb4bitDefaults(Rule):
    """
    ## What it does
    Finds `BitsAndBytesConfig(load_in_4bit=True)` that leaves `bnb_4bit_quant_type` or
    `bnb_4bit_compute_dtype` at their defaults.

    ## Why is this bad?
    The defaults are not the QLoRA recipe: `bnb_4bit_quant_type` defaults to `"fp4"` (QLoRA
    uses `"nf4"`) and `bnb_4bit_compute_dtype` to `torch.float32`, which is slow. Nothing
    breaks; the run is slower or a bit worse than intended.

    ## Example
    ```python
    BitsAndBytesConfig(load_in_4bit=True)
    ```

    ## Use instead
    ```python
    BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                       bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_use_double_quant=True)
    ```

    ## When it does not apply
    8-bit loading; both keys set.

    ## What makes it certain
    Fires only for a `BitsAndBytesConfig` whose arguments are all known (no `**` computed at run
    time), with `load_in_4bit` known True and `bnb_4bit_quant_type` or `bnb_4bit_compute_dtype`
    not passed. Whether the config reaches the trained model is not checked: an info, nothing
    breaks.

    The defaults are those of transformers' `BitsAndBytesConfig`.

    ## Fix safety
    No automatic fix: the compute dtype depends on the GPU.

    ## References
    - transformers `utils/quantization_config.py` `BitsAndBytesConfig` (defaults)
    """

    code = "PFT307"
    name = "bnb-4bit-defaults"
    summary = "4-bit BitsAndBytesConfig with defaults that differ from the QLoRA recipe"
    severity = Severity.INFO

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for config in setup.quantization_configs:
            if not config.canonical.endswith("BitsAndBytesConfig") or not config.complete:
                continue
            four_bit = config.get("load_in_4bit")
            if four_bit is None or not four_bit.is_(True):
                continue
            missing = [key for key in DEFAULTS if config.get(key) is None]
            if not missing:
                continue
            details = "; ".join(f"{key} defaults to {DEFAULTS[key]}" for key in missing)
            yield self.diagnostic(config.span, f"4-bit quantization with library defaults: {details}.",
                                  help="set bnb_4bit_quant_type=\"nf4\" and bnb_4bit_compute_dtype="
                                       "torch.bfloat16 (torch.float16 on GPUs without bf16)")
