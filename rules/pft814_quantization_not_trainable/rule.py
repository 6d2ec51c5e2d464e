from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import transformers as tf

REFUSED = "but that quantization method do not support training"


class QuantizationNotTrainable(Rule):
    """
    ## What it does
    Finds a model loaded with a quantization config whose quantizer cannot be trained in the
    resolved transformers release (`Mxfp4Config` without `dequantize=True`, `FbgemmFp8Config`,
    `HiggsConfig`, `VptqConfig`, `SpQRConfig`, `QuarkConfig`, `AutoRoundConfig`, ...) and then
    trained with a `Trainer` (or a TRL trainer).

    ## Why is this bad?
    The Trainer checks the model's quantizer when it is built, after the (large) model is
    loaded: `ValueError: The model you are trying to fine-tune is quantized with mxfp4 but that
    quantization method do not support training.` A LoRA adapter on top does not help: the
    check is on the base model's quantizer.

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained("openai/gpt-oss-20b", quantization_config=Mxfp4Config())
    ```

    ## Use instead
    ```python
    model = AutoModelForCausalLM.from_pretrained("openai/gpt-oss-20b",
                                                 quantization_config=Mxfp4Config(dequantize=True),
                                                 dtype=torch.bfloat16)
    ```
    Or a trainable method (bitsandbytes 4-bit/8-bit, GPTQ, HQQ, torchao 8-bit types).

    MXFP4 (and GGUF, Metal) quantizers fall back to dequantizing the model themselves on a
    machine without their kernels (Triton >= 3.4 and `kernels` for MXFP4, or an older GPU): the
    run then trains in bf16. Whether the training machine has them is not in the files, so for
    these the finding is a warning.

    ## When it does not apply
    A model without an adapter (the Trainer refuses the purely quantized model first: PFT304);
    `dequantize=True` (written or not known); methods whose trainability is decided at run time
    (torchao's bit width, AWQ's gptqmodel version, compressed-tensors' kernel); a pre-quantized
    checkpoint loaded without a config (its method is the checkpoint's, not known here); a custom
    training loop (no Trainer check); releases that do not check.

    ## What makes it certain
    The config class is written and handed to the trained model's `from_pretrained`; each
    release's config-to-quantizer mapping (`quantizers/auto.py`), each quantizer's `is_trainable`
    (a constant True/False, or decided at run time) and the Trainer's check are read from every
    transformers release 4.30-5.24 (`scripts/gen_knowledge.py --behaviours`).

    ## Fix safety
    Dequantizing raises memory use to the bf16 model's; no automatic fix.

    ## References
    - transformers `trainer_utils.py` `validate_quantization_for_training` (5.24), `quantizers/`
    - https://github.com/huggingface/transformers/issues/39969, https://github.com/huggingface/gpt-oss-recipes/issues/27
    """

    code = "PFT814"
    name = "quantization-not-trainable"
    summary = "Model quantized with a method whose quantizer cannot be trained, given to a Trainer"
    severity = Severity.ERROR
    reproduction_exempt = ("these quantizers need their kernels and GPUs to load a model; the trainability "
                           "of each quantizer and the Trainer's check are generated from every release")
    claims = (Claim("error", REFUSED, marker=REFUSED),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if setup.trainer.span is None or not setup.trains_here.is_(True) or \
                "transformers" not in setup.versions or setup.trainer.kind.is_("custom-loop") or \
                not setup.model.quantized.is_(True) or not setup.trainer.model_is_peft.is_(True):
            # (without an adapter the Trainer refuses the purely quantized model first: PFT304)
            return
        for config in setup.quantization_configs:
            dequantize = config.get("dequantize")
            if not config.complete or (dequantize is not None and not dequantize.is_(False)):
                continue
            found = tf.quantization_not_trainable(setup.version("transformers"), config.canonical)
            if found is None or not found[0]:
                continue
            methods, environment = found
            error = tf.NOT_TRAINABLE_ERROR.format(method=methods[0])
            name = config.canonical.rsplit(".", 1)[-1]
            where = (" on a machine with the method's kernels (without them transformers dequantizes the "
                     "model to bf16 by itself, with a warning, and the run trains)") if environment else ""
            diagnostic = self.diagnostic(
                config.span,
                f"The model is quantized with {name}, whose quantizer cannot be trained in "
                f"{setup.version_label('transformers')}: building the trainer raises \"{error}\"{where}, "
                f"after the model is loaded.",
                help=f"load it dequantized ({name}(dequantize=True)), or quantize with a trainable method "
                     "(bitsandbytes, GPTQ, HQQ)" if environment else
                     "quantize with a trainable method (bitsandbytes, GPTQ, HQQ), or train the unquantized "
                     "model",
                related=related(setup.trainer.span, "trainer"))
            yield replace(diagnostic, severity=Severity.WARNING) if environment else diagnostic
            return
