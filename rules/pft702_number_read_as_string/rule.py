from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import TrainingSetup, ValueCheck
from peft_lint.knowledge import transformers as tf

ERROR = tf.OPTIMIZER_CHECK_ERROR


class NumberReadAsString(Rule):
    """
    ## What it does
    Finds a learning rate, weight decay, Adam epsilon or Adam beta that the run holds as a
    string: `learning_rate: 5e-5` in a YAML file (PyYAML follows YAML 1.1, where a float needs a
    dot, so `5e-5` and `1e-8` are strings), or a number written in quotes, reaching
    `TrainingArguments` / a TRL config through `Class(**yaml.safe_load(...))`, a keyword
    argument, or `HfArgumentParser.parse_yaml_file` / `parse_dict`.

    ## Why is this bad?
    Neither the arguments class nor HfArgumentParser's file and dict readers convert the value.
    The job starts, loads the model (minutes for a large one) and, when training starts, torch's
    AdamW (the Trainer's default optimizer) checks it: `TypeError: '<=' not supported between
    instances of 'float' and 'str'`.

    ## Example
    ```yaml
    learning_rate: 5e-5
    ```

    ## Use instead
    ```yaml
    learning_rate: 5.0e-5
    ```

    ## When it does not apply
    TrlParser's `--config` YAML (it sets the values as argparse defaults, which argparse converts
    with the field's type) and command-line flags; JSON numbers; a non-default `optim` other
    than `adamw_torch` / `adamw_torch_fused`; DeepSpeed (its own optimizer); unsloth's configs.

    ## What makes it certain
    Fires only when the value is a string that reads as a number, in one of those five fields of
    arguments built by a call or by HfArgumentParser from a file or a dict whose keys are all
    known, and the optimizer is torch's AdamW: `optim` written so, or its default (torch's AdamW
    since transformers 4.32) with no `**` arguments that could change it and no `deepspeed`.

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0): `TrainingArguments(**cfg)`,
    `parse_yaml_file` and `parse_dict` keep `'5e-5'`, and the optimizer raises the TypeError;
    TrlParser's `--config` gives `5e-05`.

    ## Fix safety
    Writing the number with a dot (`5.0e-5`) or in plain decimals is safe; no automatic fix yet.

    ## References
    - PyYAML `resolver.py`: the implicit float resolver of YAML 1.1 requires a `.` (`5.0e-5`)
    - torch `optim/adam.py`: `if not 0.0 <= lr: raise ValueError(...)`
    - https://github.com/hiyouga/LlamaFactory/issues/4149 and /issues/4014 (the same crash from
      `learning_rate: 2e-5`), fixed there by https://github.com/hiyouga/LlamaFactory/pull/8505
    """

    code = "PFT702"
    name = "number-read-as-string"
    summary = "Optimizer setting that the run holds as a string, not a number"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT702]"
    claims = (Claim("error", ERROR, marker="not supported between instances of 'float' and 'str'"),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if not setup.trains_here.is_(True):
            return
        for check in setup.value_checks:
            if check.span is None:
                continue
            yield self.diagnostic(check.span, self._message(check, setup),
                                  help=self._help(check))

    @staticmethod
    def _message(check: ValueCheck, setup: TrainingSetup) -> str:
        if check.written_in == "yaml":
            why = (f"`{check.key}: {check.value}` is read as the string '{check.value}' (PyYAML "
                   "follows YAML 1.1, where a float needs a dot)")
        else:
            why = f"`{check.key}` is the string '{check.value}'"
        reader = "HfArgumentParser" if check.via == "parser" else check.target
        return (f"{why}, and {reader} in {setup.version_label('transformers')} keeps it: the job "
                f"loads the model and, when training starts, torch's AdamW raises \"{ERROR}\".")

    @staticmethod
    def _help(check: ValueCheck) -> str:
        text = str(check.value)
        if check.written_in == "yaml" and "." not in text and "e" in text.lower():
            mantissa, _, exponent = text.lower().partition("e")
            return f"write {check.key}: {mantissa}.0e{exponent}"
        return f"write the number without quotes: {check.key}={text}"
