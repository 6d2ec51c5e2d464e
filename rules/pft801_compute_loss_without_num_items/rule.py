from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import transformers as tf

UNEXPECTED = "got an unexpected keyword argument 'num_items_in_batch'"
# the library trainers whose training_step is transformers' own (TRL's override it, version by version)
CHECKED_BASES = frozenset({"transformers.Trainer", "transformers.Seq2SeqTrainer"})


class ComputeLossWithoutNumItems(Rule):
    """
    ## What it does
    Checks a `Trainer` subclass that overrides `compute_loss` against the way the resolved
    transformers release calls it: from 4.46 the training step passes
    `num_items_in_batch=` (the token count of the whole accumulated batch, for a correct loss
    under gradient accumulation).

    ## Why is this bad?
    An override written for older releases, `def compute_loss(self, model, inputs,
    return_outputs=False)`, has no such parameter, and the job stops at the first training step,
    after the model is loaded and the data prepared: `TypeError:
    MyTrainer.compute_loss() got an unexpected keyword argument 'num_items_in_batch'`.

    ## Example
    ```python
    class WeightedTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False):
            outputs = model(**inputs)
            return (outputs.loss, outputs) if return_outputs else outputs.loss
    ```

    ## Use instead
    ```python
    class WeightedTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            outputs = model(**inputs)
            return (outputs.loss, outputs) if return_outputs else outputs.loss
    ```
    Accepting `**kwargs` works too. With gradient accumulation, a loss the override computes
    itself should be summed and divided by `num_items_in_batch` when it is given, as the
    Trainer's own loss is.

    ## When it does not apply
    transformers before 4.46 (no such keyword); 4.47.0 and 4.48.0, which pass it only when the
    model's forward takes no loss kwargs (not decided statically); a release peft-lint has no
    record of. Subclasses of TRL's trainers, whose own `training_step` decides the call per TRL
    release (not judged yet). An override that takes `num_items_in_batch` or `**kwargs`.

    ## What makes it certain
    The class is defined in the project (its file, or a module it imports) and derives from
    `transformers.Trainer` or `Seq2SeqTrainer`; the `compute_loss` the run uses is the
    nearest definition among the project's classes, read from its `def`; the training runs in
    this script. How each release calls `compute_loss` is read from `transformers/trainer.py`
    of every release 4.30-5.24 (`scripts/gen_knowledge.py --behaviours`): always with the
    keyword from 4.46.1 (4.46.0 by its minor), except 4.47.0 and 4.48.0. Reproduced on
    transformers 5.24.0 and 4.57.6.

    ## Fix safety
    Adding `num_items_in_batch=None` to the signature is safe; no automatic fix yet.

    ## References
    - transformers `trainer.py` `Trainer.training_step` (5.24: `self.compute_loss(model, inputs,
      num_items_in_batch=num_items_in_batch)`), since
      https://github.com/huggingface/transformers/pull/34198 (4.46)
    - https://github.com/huggingface/transformers/issues/36331 (the TypeError, 4.49)
    """

    code = "PFT801"
    name = "compute-loss-without-num-items"
    summary = "compute_loss override without num_items_in_batch on transformers >= 4.46"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT801]"
    claims = (Claim("error", UNEXPECTED, marker=UNEXPECTED),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        override = trainer.compute_loss
        if override is None or not trainer.kind.known or trainer.kind.value not in CHECKED_BASES:
            return
        if not setup.trains_here.is_(True) or "transformers" not in setup.versions:
            return
        if override.var_kwargs or tf.COMPUTE_LOSS_KEYWORD in override.parameters:
            return
        if tf.compute_loss_call(setup.version("transformers")) != "always":
            return
        yield self.diagnostic(
            override.span,
            f"{override.owner}.compute_loss takes no `num_items_in_batch`, but the training step of "
            f"{setup.version_label('transformers')} passes it: the job stops at the first step with "
            f"\"TypeError: {override.owner}.compute_loss() {UNEXPECTED}\".",
            help="add `num_items_in_batch=None` to the signature (and divide a loss you sum "
                 "yourself by it when it is given)")
