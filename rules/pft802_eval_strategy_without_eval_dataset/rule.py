from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import transformers as tf

REFUSED = "but you didn't pass an `eval_dataset` to `Trainer`"


class EvalStrategyWithoutEvalDataset(Rule):
    """
    ## What it does
    Checks that a trainer whose arguments evaluate during training (`eval_strategy` "steps"
    or "epoch") is given an `eval_dataset`.

    ## Why is this bad?
    From transformers 4.46 the `Trainer` (and every TRL trainer, which builds one) refuses it
    when it is built: `ValueError: You have set `args.eval_strategy` to steps but you didn't
    pass an `eval_dataset` to `Trainer`. Either set `args.eval_strategy` to `no` or pass an
    `eval_dataset`.` Before 4.46 the job trained until the first evaluation and stopped there.
    A config copied from a run that evaluated, used with a script that builds no evaluation
    split, is the usual shape.

    ## Example
    ```yaml
    eval_strategy: steps
    eval_steps: 200
    ```
    ```python
    trainer = SFTTrainer(model=model, args=config, train_dataset=dataset["train"])
    ```

    ## Use instead
    ```python
    trainer = SFTTrainer(model=model, args=config, train_dataset=dataset["train"],
                         eval_dataset=dataset["test"])
    ```
    or `eval_strategy: "no"`.

    ## When it does not apply
    transformers before 4.46, or a release peft-lint has no record of; an `eval_dataset` that
    may be given (a variable, a conditional, `**kwargs`, positional arguments); an evaluation
    strategy computed at run time.

    ## What makes it certain
    The evaluation strategy is known (written in the arguments, a YAML/JSON they are read
    from, the launcher's flags, or the class's default, "no"; `evaluation_strategy` counts as
    its old name) and is not "no"; the trainer call is read whole and has no `eval_dataset`
    (or `eval_dataset=None`). Which releases refuse it is read from `transformers/trainer.py`
    of every release 4.30-5.24 (`scripts/gen_knowledge.py --behaviours`). Reproduced on
    transformers 5.24.0 and 4.57.6.

    ## Fix safety
    No automatic fix: either an evaluation split or `eval_strategy="no"` is the user's choice.

    ## References
    - transformers `trainer.py` `Trainer.__init__` (5.24: `if args.eval_strategy is not None and
      args.eval_strategy != "no" and eval_dataset is None: raise ValueError(...)`)
    """

    code = "PFT802"
    name = "eval-strategy-without-eval-dataset"
    summary = "Evaluation during training without an eval_dataset"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT802]"
    claims = (Claim("error", REFUSED, marker=REFUSED),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        strategy = setup.training_arguments.get("eval_strategy")
        if trainer.span is None or strategy is None or not strategy.known or \
                strategy.value in (None, "no", "NO") or not trainer.eval_dataset_given.is_(False):
            return
        if "transformers" not in setup.versions or \
                not tf.requires_eval_dataset(setup.version("transformers")):
            return
        old_names = ("eval_strategy", *tf.OLD_FIELD_NAMES.get("eval_strategy", ()))
        if any(key in old_names for check in setup.key_checks for key, _span in check.unknown):
            return  # written under a name the release refuses: the arguments fail first (PFT701)
        shown = getattr(strategy.value, "value", strategy.value)
        yield self.diagnostic(
            trainer.span,
            f"The arguments evaluate during training (eval_strategy \"{shown}\") but the trainer is "
            f"given no eval_dataset: building it on {setup.version_label('transformers')} raises "
            f"\"{tf.EVAL_DATASET_ERROR.format(strategy=shown)}\".",
            help="pass eval_dataset=... to the trainer, or set eval_strategy=\"no\"",
            related=related(strategy.span, "evaluation strategy"))
