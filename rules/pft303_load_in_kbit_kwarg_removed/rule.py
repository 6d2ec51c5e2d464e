from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import transformers as tf

REMOVED = ("load_in_4bit", "load_in_8bit", "bnb_4bit_compute_dtype", "bnb_4bit_quant_type",
           "bnb_4bit_use_double_quant")
UNEXPECTED = "got an unexpected keyword argument"


class LoadInKbitKwargRemoved(Rule):
    """
    ## What it does
    Finds `from_pretrained(..., load_in_4bit=...)` / `load_in_8bit=...` (and `bnb_4bit_*`)
    passed directly instead of through `quantization_config=BitsAndBytesConfig(...)`.

    ## Why is this bad?
    transformers 5.0 removed these keyword arguments (PR #41287). They are no longer taken
    by `from_pretrained` and reach the model's constructor, which raises
    `TypeError: <Model>.__init__() got an unexpected keyword argument 'load_in_4bit'`, with
    any value, `False` included. The classic QLoRA scripts crash at load. On transformers 4.x
    they still work, with a deprecation warning.

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, load_in_4bit=True, device_map="auto")
    ```

    ## Use instead
    ```python
    model = AutoModelForCausalLM.from_pretrained(
        name, quantization_config=BitsAndBytesConfig(load_in_4bit=True), device_map="auto")
    ```

    ## When it does not apply
    transformers < 5.0 (a deprecation warning there); the same keys inside
    `BitsAndBytesConfig(...)`.

    ## What makes it certain
    Fires only when the resolved transformers is >= 5.0 and a `from_pretrained` call passes
    `load_in_4bit`, `load_in_8bit` or a `bnb_4bit_*` key directly, with any value (known or not:
    the keyword alone raises). On transformers 4.x (given, pinned or installed) it is silent.
    When nothing pins transformers, the newest release peft-lint knows is assumed, the message
    says so, and a note names the last 4.x release that still takes
    `load_in_4bit`/`load_in_8bit`.

    Reproduced on transformers 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0); the
    removal is transformers PR #41287.

    ## Fix safety
    No automatic fix yet.

    ## References
    - https://github.com/huggingface/transformers/pull/41287 ("[v5] remove load_in_4bit and load_in_8bit")
    - stochasticai/xTuring#358
    - https://github.com/huggingface/transformers/issues/41287
    - https://github.com/stochasticai/xTuring/issues/358
    """

    code = "PFT303"
    name = "load-in-kbit-kwarg-removed"
    summary = "load_in_4bit/load_in_8bit passed to from_pretrained, removed in transformers 5"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT303]"
    claims = (Claim("error", f"__init__() {UNEXPECTED}"),)  # the model's constructor refuses it

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if not tf.non_reentrant_by_default(setup.version("transformers")):  # the 5.0 line
            return
        for call in setup.load_calls:
            for key in REMOVED:
                fact = call.kwargs.get(key)
                if fact is None:
                    continue
                message = (f"from_pretrained no longer takes `{key}` on "
                           f"{setup.version_label('transformers')}: it reaches the model's constructor, "
                           f"which raises \"TypeError: ...__init__() {UNEXPECTED} '{key}'\" at load, "
                           "whatever its value.")
                yield self.diagnostic(fact.span or call.span, message,
                                      help=f"pass quantization_config=BitsAndBytesConfig({key}=...) "
                                           "instead")
