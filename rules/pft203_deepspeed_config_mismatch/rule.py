from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from peft_lint.engine.diagnostic import Diagnostic, Related, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.model import Fact, TrainingSetup

if TYPE_CHECKING:  # pydantic loads only for runs with a DeepSpeed config
    from peft_lint.facts.deepspeed_config import Setting

# (DeepSpeed key path, TrainingArguments fields) as transformers compares them in
# integrations/deepspeed.py HfTrainerDeepSpeedConfig.trainer_config_process.
# the DeepSpeed settings transformers matches against the training arguments
# (HfTrainerDeepSpeedConfig.trainer_config_process), by their DeepSpeedConfig field
MATCHED = (
    ("train_micro_batch_size_per_gpu", ("per_device_train_batch_size",)),
    ("gradient_accumulation_steps", ("gradient_accumulation_steps",)),
    ("gradient_clipping", ("max_grad_norm",)),
    ("optimizer_lr", ("learning_rate",)),
    ("optimizer_betas", ("adam_beta1", "adam_beta2")),
    ("optimizer_eps", ("adam_epsilon",)),
    ("optimizer_weight_decay", ("weight_decay",)),
    ("scheduler_warmup_max_lr", ("learning_rate",)),
    ("fp16_enabled", ("fp16", "fp16_full_eval")),
    ("bf16_enabled", ("bf16", "bf16_full_eval")),
)
ERROR = "Please correct the following DeepSpeed config values that mismatch TrainingArguments values"


class DeepspeedConfigMismatch(Rule):
    """
    ## What it does
    Compares the DeepSpeed JSON named by the training arguments with the training arguments,
    key by key, exactly as transformers does: batch size per GPU, gradient accumulation,
    global batch size, gradient clipping, optimizer lr/betas/eps/weight decay, scheduler
    peak lr, fp16 and bf16. `"auto"` values are filled in and never mismatch.

    ## Why is this bad?
    The Trainer refuses to start: `ValueError: Please correct the following DeepSpeed config
    values that mismatch TrainingArguments values: - ds train_micro_batch_size_per_gpu=4 vs
    hf per_device_train_batch_size=8 ... The easiest method is to set these DeepSpeed config
    values to 'auto'.` The job dies after the queue wait and the model load.

    ## Example
    ```json
    {"train_micro_batch_size_per_gpu": 4, "zero_optimization": {"stage": 2}}
    ```
    with `per_device_train_batch_size: 8` in the training arguments.

    ## Use instead
    ```json
    {"train_micro_batch_size_per_gpu": "auto", "zero_optimization": {"stage": 2}}
    ```

    ## When it does not apply
    Values set to `"auto"`; keys absent from the JSON; training arguments computed at run time.

    ## What makes it certain
    Fires only when the DeepSpeed config the Trainer gets is read (the JSON among the files of
    the run, or the dict, named by the training arguments' `deepspeed`; or the accelerate
    config's `deepspeed_config` section, or the JSON its `deepspeed_config_file` names), a
    compared key holds a literal other than `"auto"`, and every training argument it is compared
    with is known: written, or the default of the arguments class in the resolved transformers
    (or TRL) version. Versions are the resolved ones: given, pinned or installed, else the
    newest release peft-lint knows (the output's `versions:` line says which).

    A value computed at run time, or a TRL default that depends on other fields (`bf16`), keeps
    that key silent. The global `train_batch_size` is not compared (it needs the number of
    processes).

    Not reproduced (it needs the deepspeed package); the comparison is transformers'
    `HfTrainerDeepSpeedConfig.trainer_config_process`, read in 5.24.0.

    ## Fix safety
    Setting the DeepSpeed value to `"auto"` is safe; no automatic fix yet.

    ## References
    - transformers `integrations/deepspeed.py` `HfTrainerDeepSpeedConfig.fill_match` and
      `trainer_config_finalize`:
      https://github.com/huggingface/transformers/blob/main/src/transformers/integrations/deepspeed.py
    """

    code = "PFT203"
    name = "deepspeed-config-mismatch"
    summary = "DeepSpeed config value that contradicts the training arguments"
    severity = Severity.ERROR
    reproduction_exempt = ("the check runs inside transformers' DeepSpeed integration, which needs "
                           "the deepspeed package; it is a pure comparison, cited in References")

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        deepspeed = setup.deepspeed
        if deepspeed is None:
            return
        for name, fields in MATCHED:
            setting: Setting = getattr(deepspeed.config, name)
            if not setting.is_set or setting.value is None:
                continue
            path = setting.path
            facts = [setup.training_arguments.get(field) for field in fields]
            if any(fact is None or not fact.known for fact in facts):
                continue
            hf_value = _hf_value(path, [fact for fact in facts if fact is not None])
            if setting.value == hf_value:
                continue
            hf_fields = "+".join(fields) if path.endswith("betas") else "|".join(fields)
            where = [f for f in facts if f is not None and f.span is not None]
            message = (f"DeepSpeed {path}={setting.value} but the training arguments give "
                       f"{hf_fields}={hf_value}: the Trainer stops before the first step with "
                       f"\"ValueError: {ERROR}\".")
            related = [Related(where[0].span, f"{hf_fields}={hf_value}")] if where and where[0].span else []
            yield self.diagnostic(setting.span or deepspeed.span, message,
                                  help=f"set \"{path.rsplit('.', 1)[-1]}\": \"auto\" in the DeepSpeed "
                                       "config, or make the two values equal", related=related)


def _hf_value(path: str, facts: list[Fact[object]]) -> object:
    if path.endswith("betas"):
        return [fact.value for fact in facts]
    if path.endswith(".enabled"):
        return any(bool(fact.value) for fact in facts)
    return facts[0].value
