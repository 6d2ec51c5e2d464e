from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import AssignResult, Diagnostic, Fix, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import Span, TrainingSetup

EMPTY = "an adapter file with 0 tensors"


class MergeAndUnloadResultDiscarded(Rule):
    """
    ## What it does
    Finds `model.merge_and_unload()` (or `model.unload()`) used as a statement, its result
    thrown away, followed by `model.save_pretrained(...)` / `push_to_hub(...)` on the same
    PEFT model.

    ## Why is this bad?
    `merge_and_unload` is not an in-place operation on the PeftModel: it removes the LoRA
    layers from the wrapped model and returns the merged base model. Saving the old PeftModel
    afterwards writes `adapter_config.json` and an `adapter_model.safetensors` with no tensors,
    without a warning: the trained weights are gone from what was saved.

    ## Example
    ```python
    model.merge_and_unload()
    model.save_pretrained("merged")
    ```

    ## Use instead
    ```python
    merged = model.merge_and_unload()
    merged.save_pretrained("merged")
    ```

    ## When it does not apply
    The result is assigned (`model = model.merge_and_unload()`), or nothing is saved after it.

    ## What makes it certain
    Fires only when `merge_and_unload()` or `unload()` is a statement of its own on a model
    known to be a PEFT model (its result unused) and `save_pretrained` or `push_to_hub` is
    called on that same PEFT model afterwards. A model computed at run time keeps it silent.

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0):
    0 tensors saved.

    ## Fix safety
    Unsafe (applied with `--fix --unsafe-fixes`): `model.merge_and_unload()` becomes
    `model = model.merge_and_unload()`. The variable then holds the merged base model instead of
    the PEFT model, which later code in the script may not expect: review the diff.

    ## References
    - peft `tuners/tuners_utils.py` `BaseTuner.merge_and_unload` docstring: "It is important to
      assign the returned model to a variable and use it, this is not an in-place operation!"
    - reproduced on CPU by peft-lint's repro tier (0 tensors, no warning)
    """

    code = "PFT601"
    name = "merge-and-unload-result-discarded"
    summary = "merge_and_unload() result thrown away before saving"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT601]"
    claims = (Claim("empty-adapter", marker=EMPTY),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for result in setup.discarded_results:
            if result.later_save is None:
                continue
            message = (f"The result of {result.method}() is thrown away: it does not work in place, "
                       "it removes the LoRA layers from the PEFT model and returns the merged model. "
                       f"The save after it writes {EMPTY}, without a warning.")
            yield self.diagnostic(
                result.span, message,
                help=f"assign the result and save that: merged = model.{result.method}(); "
                     "merged.save_pretrained(...)",
                related=related(result.later_save, "saves the emptied PEFT model"),
                fix=self._fix(result.span, result.method))

    def _fix(self, span: Span, method: str) -> Fix | None:
        if span.end_line is None or span.end_column is None:
            return None
        # Unsafe: the variable now holds the merged base model, which later code may not expect.
        return Fix(f"assign the result of {method}()", False,
                   (AssignResult(span.path, span.line, span.column, span.end_line, span.end_column, method),))
