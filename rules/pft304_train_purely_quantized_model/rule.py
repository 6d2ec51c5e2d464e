from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup

ERROR = "You cannot perform fine-tuning on purely quantized models"


class TrainPurelyQuantizedModel(Rule):
    """
    ## What it does
    Finds a model loaded quantized (`quantization_config=...`) handed to `Trainer` /
    `SFTTrainer` without an adapter: no `get_peft_model`, no `peft_config=`.

    ## Why is this bad?
    Quantized weights cannot be trained. `Trainer.__init__` refuses the model:
    `ValueError: You cannot perform fine-tuning on purely quantized models. Please attach
    trainable adapters on top of the quantized model to correctly perform fine-tuning.`

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, quantization_config=bnb_config)
    Trainer(model=model, args=args, train_dataset=data).train()
    ```

    ## Use instead
    ```python
    model = get_peft_model(prepare_model_for_kbit_training(model), LoraConfig(...))
    Trainer(model=model, args=args, train_dataset=data).train()
    ```

    ## When it does not apply
    An adapter attached with `get_peft_model`, `peft_config=` (TRL) or `model.add_adapter`;
    quantization-aware-training quantizers.

    ## What makes it certain
    Fires only when a Trainer of a known class gets a model known to be loaded quantized (a
    `quantization_config` of any backend, `load_in_4bit`/`load_in_8bit`, or unsloth's 4-bit
    load) and known to have no adapter (no `get_peft_model`, `PeftModel.from_pretrained` or
    `peft_config=`; `model.add_adapter` is not recognised). A model or quantization computed at
    run time keeps it silent. The quantization backend is not checked.

    Reproduced on transformers 4.57.6 and 5.24.0 with a model carrying the attributes
    transformers checks (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix.

    ## References
    - transformers `trainer_utils.py` `validate_quantization_for_training`, called from
      `Trainer.__init__`
    """

    code = "PFT304"
    name = "train-purely-quantized-model"
    summary = "Quantized model trained without an adapter"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT304]"
    claims = (Claim("error", ERROR),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        if not (trainer.span and trainer.kind.known and trainer.model_is_peft.is_(False)):
            return
        if not setup.model.quantized.is_(True):
            return
        yield self.diagnostic(
            trainer.span,
            f"The model is loaded quantized and has no adapter: the Trainer refuses it at once with "
            f"\"ValueError: {ERROR}. Please attach trainable adapters on top of the quantized model\".",
            help="attach an adapter: get_peft_model(model, LoraConfig(...)), or peft_config= with TRL",
            related=related(setup.model.quantized.span, "loaded quantized"))
