from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Related, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import Fact, TrainingSetup
from peft_lint.knowledge import trl

COLLATOR = "Passing a custom data collator is not supported when using padding-free"
MAX_LENGTH = "without packing, `max_length` is not enforced"


class SftPaddingFreeConflict(Rule):
    """
    ## What it does
    Checks an `SFTTrainer` run in padding-free mode (`padding_free=True`, or `packing=True`
    with the BFD strategy, TRL's default since 0.20, which turns it on by itself) against what
    the resolved TRL release refuses.

    ## Why is this bad?
    Padding-free batches are one flattened sequence with position ids, built by TRL's own
    collator; the trainer refuses what would break it when it is built, after the model is
    loaded:
    - a custom `data_collator` (a completion-only collator kept from an older recipe with
      `packing=True`): `ValueError: Passing a custom data collator is not supported when using
      padding-free.` (TRL 0.16+);
    - `padding_free=True` without packing while `max_length` is set (its default is 1024):
      `ValueError: When `padding_free=True` without packing, `max_length` is not enforced.`
      (TRL 1.0+).

    ## Example
    ```python
    SFTTrainer(model=model, args=SFTConfig(output_dir="out", packing=True), train_dataset=ds,
               data_collator=DataCollatorForSeq2Seq(tokenizer))
    ```

    ## Use instead
    ```python
    SFTTrainer(model=model, args=SFTConfig(output_dir="out", packing=True, completion_only_loss=True),
               train_dataset=ds)
    ```

    ## When it does not apply
    A TRL release that does not check; `packing_strategy="wrapped"` (not padding-free); unsloth
    imported (its trainer builds its own collators); values computed at run time; vision
    datasets (TRL skips the max_length check for them; not judged).

    ## What makes it certain
    The config values are written or are the release's defaults (generated field tables); the
    refusals, their messages and the packing strategies that turn padding-free on are read from
    `trl/trainer/sft_trainer.py` of every TRL release (`scripts/gen_knowledge.py --behaviours`).
    Reproduced on TRL 1.16.0.

    ## Fix safety
    Dropping the collator changes how labels are masked (use the config's completion options);
    no automatic fix.

    ## References
    - trl `trainer/sft_trainer.py` (1.16: `if self.padding_free: if data_collator is not None: raise`)
    - https://github.com/huggingface/trl/issues/2834, https://github.com/huggingface/trl/issues/3067
    """

    code = "PFT815"
    name = "sft-padding-free-conflict"
    summary = "SFTTrainer in padding-free mode with a custom collator, or without packing and a max_length"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT815]"
    claims = (Claim("error", COLLATOR, marker=COLLATOR), Claim("error", MAX_LENGTH, marker=MAX_LENGTH))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        if trainer.span is None or not trainer.kind.is_("trl.SFTTrainer") or "trl" not in setup.versions or \
                "unsloth" in setup.dialects:
            return
        checks = trl.sft_padding_free(setup.version("trl"))
        facts = setup.training_arguments
        explicit, packing = facts.get("padding_free"), facts.get("packing")
        strategy = facts.get("packing_strategy")
        if checks is None or explicit is None or packing is None or strategy is None or \
                not explicit.known or not packing.known or not strategy.known:
            return
        by_packing = packing.value is True and strategy.value in checks.strategies
        if not (explicit.value is True or by_packing):
            return
        why = "padding_free=True" if explicit.value is True else \
            f"packing=True with packing_strategy \"{strategy.value}\" turns padding-free on"
        label = setup.version_label("trl")
        if checks.custom_collator and trainer.collator_given.is_(True):
            yield self.diagnostic(
                trainer.collator_given.span or trainer.span,
                f"A custom data_collator is given in padding-free mode ({why}): building SFTTrainer on "
                f"{label} raises \"{checks.custom_collator}\"",
                help="drop the collator (SFTConfig's completion_only_loss / assistant_only_loss mask the "
                     "prompt), or set packing_strategy=\"wrapped\" / padding_free=False",
                related=_where(explicit if explicit.value is True else packing))
            return
        limit = facts.get("max_length")
        if checks.max_length and explicit.value is True and packing.value is False and limit is not None and \
                limit.known and limit.value is not None:
            yield self.diagnostic(
                explicit.span or trainer.span,
                f"padding_free=True without packing while max_length is {limit.value}: building "
                f"SFTTrainer on {label} raises \"{checks.max_length.split('. Either', 1)[0]}.\"",
                help="enable packing (packing=True, packing_strategy=\"bfd\"), or set max_length=None with "
                     "inputs already truncated",
                related=_where(limit))


def _where(fact: Fact[object]) -> list[Related]:
    return related(fact.span, "set here") if fact.origin.kind == "written" else []
