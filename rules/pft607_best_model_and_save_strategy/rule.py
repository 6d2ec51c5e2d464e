from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import Fact, TrainingSetup

MATCH = "--load_best_model_at_end requires the save and eval strategy to match"
MULTIPLE = "--load_best_model_at_end requires the saving steps to be a round multiple of the evaluation steps"


class BestModelAndSaveStrategy(Rule):
    """
    ## What it does
    Checks `load_best_model_at_end=True` against the save and evaluation schedule: the two
    strategies must match (unless `save_strategy="best"`), and with `"steps"` the save steps
    must be a round multiple of the evaluation steps.

    ## Why is this bad?
    `TrainingArguments` refuses the combination when it is built:
    `ValueError: --load_best_model_at_end requires the save and eval strategy to match, except
    when --save_strategy="best", but found - Evaluation strategy: no - Save strategy: steps`,
    or `... requires the saving steps to be a round multiple of the evaluation steps, but
    found 500, which is not a round multiple of 300.` The defaults alone (evaluation off,
    saving every 500 steps) already fail.

    ## Example
    ```python
    TrainingArguments(output_dir="out", load_best_model_at_end=True)
    ```

    ## Use instead
    ```python
    TrainingArguments(output_dir="out", load_best_model_at_end=True,
                      eval_strategy="steps", eval_steps=500, save_strategy="steps", save_steps=500)
    ```

    ## When it does not apply
    `load_best_model_at_end` off; `save_strategy="best"`; values computed at run time.

    ## What makes it certain
    Fires only when `load_best_model_at_end` is known True, the save and evaluation strategies
    are known (written, or the defaults of the arguments class in the resolved version: saving
    `"steps"`, evaluation `"no"`) and differ, with the save strategy not `"best"`; or both are
    `"steps"` and `save_steps` and `eval_steps` are known integers (`eval_steps=None` takes
    `logging_steps`, as `__post_init__` does) with `save_steps` not a multiple of `eval_steps`.
    A value computed at run time keeps it silent. Versions are the resolved ones: given, pinned
    or installed, else the newest release peft-lint knows (the output's `versions:` line says
    which).

    Read in transformers 5.24 `TrainingArguments.__post_init__`. Reproduced on transformers
    4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix: the schedule is the user's choice.

    ## References
    - transformers `training_args.py` `TrainingArguments.__post_init__` (5.24 L1748-1774)
    """

    code = "PFT607"
    name = "best-model-and-save-strategy"
    summary = "load_best_model_at_end with save and eval schedules that do not match"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT607]"
    claims = (Claim("error", MATCH, marker=MATCH), Claim("error", MULTIPLE, marker=MULTIPLE))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        arguments = setup.training_arguments
        best = arguments.get("load_best_model_at_end")
        if best is None or not best.is_(True) or best.span is None:
            return
        save, evaluate = arguments.get("save_strategy"), arguments.get("eval_strategy")
        if not (save and evaluate and save.known and evaluate.known) or save.value == "best":
            return
        if str(evaluate.value) != str(save.value):
            yield self._report(best, f"{MATCH}, except when --save_strategy=\"best\"",
                               f"the evaluation strategy is \"{evaluate.value}\" and the save "
                               f"strategy \"{save.value}\"", setup)
            return
        if evaluate.value != "steps":
            return
        save_steps, eval_steps = arguments.get("save_steps"), self._eval_steps(setup)
        if not (save_steps and eval_steps and save_steps.known and eval_steps.known):
            return
        if isinstance(save_steps.value, int) and isinstance(eval_steps.value, int) and \
                eval_steps.value >= 1 and save_steps.value % eval_steps.value != 0:
            yield self._report(best, MULTIPLE, f"save_steps={save_steps.value} is not a multiple of "
                               f"eval_steps={eval_steps.value}", setup)

    def _eval_steps(self, setup: TrainingSetup) -> Fact[object] | None:
        steps = setup.training_arguments.get("eval_steps")
        if steps is not None and steps.known and steps.value is None:
            return setup.training_arguments.get("logging_steps")  # __post_init__ does the same
        return steps

    def _report(self, best: Fact[object], error: str, why: str, setup: TrainingSetup) -> Diagnostic:
        assert best.span is not None
        return self.diagnostic(
            best.span, f"load_best_model_at_end=True but {why}: building the training arguments "
                       f"raises \"ValueError: {error}\".",
            help="evaluate and save on the same schedule (eval_strategy == save_strategy, save_steps "
                 "a multiple of eval_steps), or save_strategy=\"best\"",
            related=related(setup.training_arguments["save_strategy"].span, "save strategy"))
