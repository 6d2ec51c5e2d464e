from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import trl

SYNC_PEFT = "`sync_ref_model=True` while using a PEFT model"
SYNC_BETA0 = "`sync_ref_model=True` while `beta=0.0`"


class SyncRefModelWithPeft(Rule):
    """
    ## What it does
    Finds `sync_ref_model=True` (TR-DPO's periodic copy of the policy into the reference model)
    in a DPO, GRPO, KTO or RLOO run that trains a PEFT adapter, or in GRPO/RLOO with `beta=0.0`.

    ## Why is this bad?
    With PEFT the trainers keep no separate reference model: they get reference log-probs by
    switching the adapter off. There is nothing to sync, and the trainer refuses the setting
    when it is built, after the model is loaded: `NotImplementedError: You passed
    `sync_ref_model=True` while using a PEFT model, which is currently not supported.` With
    `beta=0.0` GRPO builds no reference model at all: `ValueError: You passed `sync_ref_model=True`
    while `beta=0.0`...`. PEFT support is only an open proposal (huggingface/trl#6975).

    ## Example
    ```python
    DPOTrainer(model=model, args=DPOConfig(output_dir="out", sync_ref_model=True),
               train_dataset=ds, peft_config=LoraConfig(r=16, target_modules="all-linear"))
    ```

    ## Use instead
    ```python
    DPOTrainer(model=model, args=DPOConfig(output_dir="out"), train_dataset=ds,
               peft_config=LoraConfig(r=16, target_modules="all-linear"))
    ```
    Or fine-tune fully when a synced reference model is what the method needs.

    ## When it does not apply
    TRL releases whose trainer does not refuse it (GRPO/RLOO before 0.28, DPO before 0.29, KTO
    before 1.8: older releases fail later or differently, not judged here); `sync_ref_model`
    not known to be True; a model not known to be a PEFT model.

    ## What makes it certain
    `sync_ref_model` and `beta` are written (script, YAML, flags) and the trained model is a PEFT
    model (get_peft_model, or peft_config given to the trainer). Which trainer refuses what, and
    the exact exception, are read from `trl/trainer/*_trainer.py` of every TRL release
    (`scripts/gen_knowledge.py --behaviours`). Reproduced with DPOTrainer on TRL 1.16.0.

    ## Fix safety
    Dropping `sync_ref_model` changes the algorithm back to plain DPO/GRPO; no automatic fix.

    ## References
    - trl `trainer/dpo_trainer.py` (1.16: `if args.sync_ref_model: if is_peft_model(self.model):
      raise NotImplementedError(...)`), `grpo_trainer.py`
    - https://github.com/huggingface/trl/issues/3108, https://github.com/huggingface/trl/pull/6975
    """

    code = "PFT810"
    name = "sync-ref-model-with-peft"
    summary = "sync_ref_model=True with a PEFT model (or GRPO beta=0.0), refused by the TRL trainer"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT810]"
    claims = (Claim("error", SYNC_PEFT, marker=SYNC_PEFT), Claim("error", SYNC_BETA0, marker=SYNC_BETA0))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        sync = setup.training_arguments.get("sync_ref_model")
        if trainer.span is None or sync is None or not sync.is_(True) or not trainer.kind.known or \
                "trl" not in setup.versions:
            return
        kind, version = str(trainer.kind.value), setup.version("trl")
        beta = setup.training_arguments.get("beta")
        cases = [("beta0", beta is not None and beta.known and beta.value == 0),
                 ("peft", trainer.model_is_peft.is_(True))]
        for case, applies in cases:
            message = trl.sync_ref_model_refusal(version, kind, case) if applies else None
            if message is None:
                continue
            why = "beta is 0.0, so no reference model is built" if case == "beta0" else \
                "the model trains a PEFT adapter, so the reference model is the base with the adapter off"
            first = message.split(". ", 1)[0] + "."
            yield self.diagnostic(
                sync.span or trainer.span,
                f"sync_ref_model=True, but {why}: building {kind.rsplit('.', 1)[-1]} on "
                f"{setup.version_label('trl')} raises \"{first}\"",
                help="drop sync_ref_model (or fine-tune fully if the method needs a synced reference model)"
                if case == "peft" else "drop sync_ref_model, or set beta to a non-zero value",
                related=[*related(trainer.span, "trainer"),
                         *(related(beta.span, "beta") if case == "beta0" and beta is not None else [])])
            return
