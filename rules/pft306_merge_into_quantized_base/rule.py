from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.model import TrainingSetup


class MergeIntoQuantizedBase(Rule):
    """
    ## What it does
    Finds `merge_and_unload()` / `merge_adapter()` on a PEFT model whose base was loaded
    quantized.

    ## Why is this bad?
    Merging into bitsandbytes 4/8-bit weights dequantizes, adds the LoRA delta and quantizes
    again: `UserWarning: Merge lora module to 4-bit linear may get different generations due
    to rounding errors.` The merged model is still quantized and generates differently from the
    trained adapter. GPTQ bases refuse the merge (`ValueError: Cannot merge LORA layers when the
    model is gptq quantized`).

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, quantization_config=bnb_config)
    model = PeftModel.from_pretrained(model, "adapter").merge_and_unload()
    ```

    ## Use instead
    ```python
    base = AutoModelForCausalLM.from_pretrained(name, dtype=torch.bfloat16)   # not quantized
    merged = PeftModel.from_pretrained(base, "adapter").merge_and_unload()
    ```
    Quantize the merged model afterwards if needed, or keep the adapter unmerged.

    ## When it does not apply
    A base loaded without quantization.

    ## What makes it certain
    Fires only when `merge_and_unload()` or `merge_adapter()` is called on a PEFT model whose
    base is known to be loaded quantized (a quantization config or `load_in_*` on its
    `from_pretrained`). A base whose quantization is Unknown keeps it silent. A warning: with
    bitsandbytes the merge runs, only the result differs.

    Not reproduced; the rounding warning is peft's `tuners/lora/bnb.py`, the GPTQ refusal
    `_check_merge_allowed`.

    ## Fix safety
    No automatic fix.

    ## References
    - peft `tuners/lora/bnb.py` (merge warning), `tuners/lora/model.py` `_check_merge_allowed`
    - https://github.com/huggingface/peft/issues/2321, https://github.com/huggingface/transformers/issues/31293
    - https://github.com/huggingface/peft/issues/2105
    - https://github.com/artidoro/qlora/issues/28
    - https://github.com/artidoro/qlora/issues/254
    """

    code = "PFT306"
    name = "merge-into-quantized-base"
    summary = "Adapter merged into quantized base weights"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for span, method, quantized in setup.merges:
            if not quantized.is_(True):
                continue
            yield self.diagnostic(
                span, f"{method}() on a model whose base is loaded quantized: the weights are "
                      "dequantized, merged and quantized again, so the merged model generates "
                      "differently from the trained adapter (rounding errors); GPTQ bases refuse "
                      "the merge.",
                help="reload the base without quantization (dtype=torch.bfloat16), load the adapter, "
                     "merge and save; quantize afterwards if needed")
