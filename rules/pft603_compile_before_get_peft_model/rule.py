from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup

ORIG_MOD = "`_orig_mod.`"


class CompileBeforeGetPeftModel(Rule):
    """
    ## What it does
    Finds `torch.compile(model)` applied to the base model before the adapter is added
    (`get_peft_model` or `PeftModel.from_pretrained` on the compiled model).

    ## Why is this bad?
    `torch.compile` wraps the model in an `OptimizedModule` that keeps it as `_orig_mod`. The
    adapter is added inside the wrapper, so every saved key carries `_orig_mod.`
    (`base_model.model._orig_mod.model.layers.0...lora_A.weight`). Loading the adapter into a
    normal model warns "Found missing adapter keys while loading the checkpoint" and keeps
    freshly initialised adapter weights: with the default init a no-op adapter, so the
    trained model behaves like the base model.

    ## Example
    ```python
    model = torch.compile(model)
    model = get_peft_model(model, LoraConfig(...))
    ```

    ## Use instead
    ```python
    model = get_peft_model(model, LoraConfig(...))
    model = torch.compile(model)        # or TrainingArguments(torch_compile=True)
    ```

    ## When it does not apply
    Compiling after the adapter is added; `model.compile()` (compiles in place, no wrapper).

    ## What makes it certain
    Fires only when the model that `get_peft_model` or `PeftModel.from_pretrained` wraps is
    known to be the result of `torch.compile(...)` on the base model. `model.compile()` (in
    place) and a model computed at run time keep it silent.

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0):
    the saved keys carry `_orig_mod.`.

    ## Fix safety
    No automatic fix yet: the fix reorders two statements.

    ## References
    - https://github.com/huggingface/peft/issues/2957
    - PEFT docs `developer_guides/torch_compile.md`
    - https://github.com/MakazhanAlpamys/Soup/issues/335
    - reproduced on CPU by peft-lint's repro tier (`_orig_mod.` keys, no-op adapter at reload)
    """

    code = "PFT603"
    name = "compile-before-get-peft-model"
    summary = "torch.compile before adding the adapter saves unloadable keys"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT603]"
    claims = (Claim("orig-mod-keys", marker=ORIG_MOD),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for compile_span, wrap_span in setup.compiled_before_wrap:
            message = ("The model is compiled before the adapter is added: the adapter lives inside "
                       f"torch.compile's wrapper and is saved under {ORIG_MOD} keys, which a normal "
                       "model does not have; reloading it warns about missing adapter keys and gives "
                       "an untrained (no-op) adapter.")
            yield self.diagnostic(compile_span, message,
                                  help="add the adapter first, compile after (torch.compile(peft_model) "
                                       "or TrainingArguments(torch_compile=True))",
                                  related=related(wrap_span, "the adapter is added to the compiled model"))
