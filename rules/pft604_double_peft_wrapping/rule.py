from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import trl as trl_knowledge

ERROR = "You passed a `PeftModel` instance together with a `peft_config` to the trainer"


class DoublePeftWrapping(Rule):
    """
    ## What it does
    Finds a PEFT model (from `get_peft_model` or `PeftModel.from_pretrained`) handed to a TRL
    trainer (`SFTTrainer`, `DPOTrainer`, ...) together with `peft_config=`.

    ## Why is this bad?
    TRL 0.27 and later refuse it at construction:
    `ValueError: You passed a PeftModel instance together with a peft_config to the trainer.
    Please first merge and unload the existing adapter, save the resulting base model, and then
    pass that base model along with the new peft_config to the trainer.` Before 0.27 TRL
    silently merged the existing adapter into the base (lossy on a 4-bit base) and trained a
    new one on top.

    ## Example
    ```python
    model = get_peft_model(model, lora_config)
    SFTTrainer(model=model, args=args, train_dataset=data, peft_config=lora_config)
    ```

    ## Use instead
    ```python
    SFTTrainer(model=model, args=args, train_dataset=data, peft_config=lora_config)  # base model
    ```
    or pass the PEFT model without `peft_config` to keep training its adapter.

    ## When it does not apply
    The base model with `peft_config`; a PEFT model without `peft_config`; TRL < 0.27 (no
    error; the old adapter is merged silently).

    ## What makes it certain
    Fires only when a TRL trainer of a known class gets a model known to be a PEFT model (from
    `get_peft_model` or `PeftModel.from_pretrained`) together with `peft_config=`, and the
    resolved trl is >= 0.27. On trl < 0.27 it is silent; a model computed at run time keeps it
    silent. Versions are the resolved ones: given, pinned or installed, else the newest release
    peft-lint knows (the output's `versions:` line says which).

    Reproduced with trl 1.16.0 on transformers 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate
    1.15.0); the refusal is trl PR #4713.

    ## Fix safety
    No automatic fix: which adapter to train is the user's choice.

    ## References
    - https://github.com/huggingface/trl/pull/4713
    - trl `trainer/sft_trainer.py` (1.16.0 L817-822)
    """

    code = "PFT604"
    name = "double-peft-wrapping"
    summary = "PEFT model given to a TRL trainer together with peft_config"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT604]"
    claims = (Claim("error", ERROR),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        if trainer.already_wrapped_span is None or trainer.span is None:
            return
        if not (trainer.kind.known and trainer.kind.value in trl_knowledge.TRAINER_CLASSES):
            return
        if not trl_knowledge.rejects_double_wrapping(setup.version("trl")):
            return
        yield self.diagnostic(
            trainer.span,
            f"This trainer gets a PEFT model and a peft_config; {setup.version_label('trl')} "
            f"refuses it at once: \"ValueError: {ERROR}\".",
            help="pass the base model with peft_config, or the PEFT model without peft_config",
            related=related(trainer.already_wrapped_span, "the model is already a PEFT model"))
