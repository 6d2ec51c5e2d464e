from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import TrainingSetup

NO_DORA = "does not support DoRA yet, please set it to False"
NO_BIAS = "The argument lora_bias=True is not supported for DoRA, please pass use_dora=False"
BACKENDS = {"GPTQConfig": "GPTQ", "AwqConfig": "AWQ", "AqlmConfig": "AQLM", "EetqConfig": "EETQ"}


class DoraUnsupportedBackend(Rule):
    """
    ## What it does
    Finds `LoraConfig(use_dora=True)` where DoRA cannot run: together with `lora_bias=True`,
    or on a model quantized with GPTQ, AWQ, AQLM or EETQ (which have no DoRA layers).

    ## Why is this bad?
    `LoraConfig` raises `ValueError: The argument lora_bias=True is not supported for DoRA,
    please pass use_dora=False`; the quantized backends raise `ValueError: <LayerClass> does
    not support DoRA yet, please set it to False` in `get_peft_model`. bitsandbytes 4/8-bit
    and HQQ do support DoRA.

    ## Example
    ```python
    LoraConfig(r=16, use_dora=True, lora_bias=True)
    ```

    ## Use instead
    ```python
    LoraConfig(r=16, use_dora=True)
    ```

    ## When it does not apply
    bitsandbytes or unquantized models; `use_dora=False`.

    ## What makes it certain
    Fires only when a `LoraConfig` has `use_dora` known True and either `lora_bias` known True,
    or the trained model is loaded with a `quantization_config` that is a `GPTQConfig`,
    `AwqConfig`, `AqlmConfig` or `EetqConfig` built in the script. A value computed at run time
    keeps it silent; a checkpoint saved pre-quantized, loaded without a `quantization_config`,
    is not recognised.

    The `lora_bias` refusal is reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft
    0.21.2, accelerate 1.15.0); the GPTQ/AWQ/AQLM/EETQ layers are cited (their kernels do not
    run on the CPU).

    ## Fix safety
    No automatic fix.

    ## References
    - peft `tuners/lora/config.py` (lora_bias check), `tuners/lora/gptq.py`, `awq.py`, `aqlm.py`,
      `eetq.py` (`does not support DoRA yet`)
    """

    code = "PFT412"
    name = "dora-unsupported-backend"
    summary = "DoRA where it cannot run: with lora_bias or on GPTQ/AWQ/AQLM/EETQ"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT412]"
    claims = (Claim("error", NO_BIAS, marker=NO_BIAS), Claim("error", NO_DORA, marker=NO_DORA))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for adapter in setup.adapter_configs:
            dora = adapter.kwargs.get("use_dora")
            if adapter.config_span is None or not adapter.method.is_("lora") or dora is None \
                    or not dora.is_(True):
                continue
            bias = adapter.kwargs.get("lora_bias")
            if bias is not None and bias.is_(True):
                yield self.diagnostic(adapter.config_span, f"LoraConfig raises \"ValueError: {NO_BIAS}\".",
                                      help="drop lora_bias=True or use_dora=True")
        backend = self._backend(setup)
        dora = setup.adapter.kwargs.get("use_dora")
        if backend and dora is not None and dora.is_(True) and setup.adapter.config_span:
            yield self.diagnostic(
                setup.adapter.config_span,
                f"DoRA on a {backend}-quantized model: get_peft_model raises \"ValueError: "
                f"...{NO_DORA}\".", help="use plain LoRA (use_dora=False) on this backend, or a "
                                         "bitsandbytes-quantized base")

    def _backend(self, setup: TrainingSetup) -> str:
        load = next((call for call in setup.load_calls if call.span == setup.model.span), None)
        config = load.get("quantization_config") if load else None
        for quantization in setup.quantization_configs:
            if config is not None and config.span and quantization.span == config.span:
                return BACKENDS.get(quantization.canonical.rsplit(".", 1)[-1], "")
        return ""
