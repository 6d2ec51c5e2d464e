from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import CallArguments, TrainingSetup
from peft_lint.knowledge import peft

REFUSED = "under float32, float16, or bfloat16"


class SvdInitOnQuantizedBase(Rule):
    """
    ## What it does
    Finds PiSSA (`init_lora_weights="pissa"` or `"pissa_niter_N"`) or CorDA initialization on a
    base model loaded in 4-bit (with bitsandbytes' default uint8 storage) or 8-bit.

    ## Why is this bad?
    Both take an SVD of each targeted base weight and write the residual back, so they need the
    weights in a floating dtype. On quantized weights `get_peft_model` stops: `TypeError: Please
    initialize PiSSA under float32, float16, or bfloat16. Subsequently, re-quantize the residual
    model to help minimize quantization errors.` (CorDA likewise).

    ## Example
    ```python
    bnb = BitsAndBytesConfig(load_in_4bit=True)
    model = AutoModelForCausalLM.from_pretrained(model_id, quantization_config=bnb)
    model = get_peft_model(model, LoraConfig(init_lora_weights="pissa"))
    ```

    ## Use instead
    Initialize on the full-precision model, save the residual model and the adapter, then load
    the residual in 4-bit (peft's `examples/pissa_finetuning`); or use `init_lora_weights="olora"`,
    which dequantizes bitsandbytes weights itself.

    ## When it does not apply
    A 4-bit model stored in a floating dtype (`bnb_4bit_quant_storage=torch.bfloat16`: no error,
    though the SVD of packed weights is meaningless); OLoRA; quantization not known.

    ## What makes it certain
    `init_lora_weights` is written; the base is loaded with a `BitsAndBytesConfig` (or
    `load_in_4bit`/`load_in_8bit`) that is known, and the dtype check is in `pissa_init` and
    `corda_init` of peft (0.21.2). Reproduced on peft 0.21.2 (a 4-bit weight stand-in: the
    check reads the weight's dtype).

    ## Fix safety
    The two-step recipe changes how the model is stored; no automatic fix.

    ## References
    - peft `tuners/lora/layer.py` `pissa_init` / `corda_init`
    - https://github.com/hiyouga/LlamaFactory/issues/4923, https://github.com/MuLabPKU/PiSSA/issues/20
    """

    code = "PFT813"
    name = "svd-init-on-quantized-base"
    summary = "PiSSA or CorDA initialization on a 4-bit/8-bit bitsandbytes base model"
    severity = Severity.ERROR
    reproduction_exempt = ("needs bitsandbytes' quantized weights, which the CPU build here does not "
                           "create for the model; the dtype check is cited in References")
    claims = (Claim("error", REFUSED, marker=REFUSED),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        init = setup.adapter.kwargs.get("init_lora_weights")
        if not setup.adapter.method.is_("lora") or init is None or not init.known or \
                not isinstance(init.value, str) or not setup.model.quantized.is_(True):
            return
        method = "pissa" if init.value.startswith("pissa") else init.value
        name = peft.SVD_INITS.get(method)
        quantization = _integer_storage(setup.quantization_configs)
        if name is None or quantization is None or (init.span or setup.adapter.config_span) is None:
            return
        yield self.diagnostic(
            init.span or setup.adapter.config_span,
            f"init_lora_weights=\"{init.value}\" on a base model loaded {quantization}: {name} takes an SVD "
            f"of each base weight, and get_peft_model raises \"TypeError: Please initialize {name} "
            f"{REFUSED}. Subsequently, re-quantize the residual model to help minimize quantization "
            f"errors.\"",
            help="initialize on the full-precision model and re-quantize the residual (peft's "
                 "pissa_finetuning example), or use init_lora_weights=\"olora\"",
            related=related(setup.model.quantized.span, "quantized load"))


def _integer_storage(configs: list[CallArguments]) -> str | None:
    """How the one bitsandbytes config stores the weights as integers ("in 4-bit", "in 8-bit"),
    or None (several configs, a floating storage dtype, or values not known)."""
    found = [config for config in configs
             if config.canonical.endswith("BitsAndBytesConfig") and config.complete]
    if len(found) != 1:
        return None
    config = found[0]
    eight, four = config.get("load_in_8bit"), config.get("load_in_4bit")
    if eight is not None and eight.is_(True):
        return "in 8-bit"
    if four is not None and four.is_(True) and config.get("bnb_4bit_quant_storage") is None:
        return "in 4-bit (uint8 storage)"
    return None
