from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import TrainingSetup

ERROR = "DeepSpeed Zero-3 is not compatible with passing a `device_map`."


class Zero3WithDeviceMap(Rule):
    """
    ## What it does
    Finds `from_pretrained(..., device_map=...)` after training arguments that turn on
    DeepSpeed ZeRO-3 were built.

    ## Why is this bad?
    Building `TrainingArguments(deepspeed=<ZeRO-3 config>)` activates ZeRO-3 for every later
    `from_pretrained`, which then partitions the weights itself and refuses a device map:
    `ValueError: DeepSpeed Zero-3 is not compatible with passing a device_map.` The job
    dies while loading. QLoRA scripts pass `device_map` out of habit. Under `accelerate launch`
    with a DeepSpeed config (`zero_stage: 3`, or the `deepspeed_config_file` JSON it names),
    the training arguments do the same as soon as they are built.

    ## Example
    ```python
    (args,) = HfArgumentParser(TrainingArguments).parse_yaml_file("config.yaml")  # deepspeed: zero3.json
    model = AutoModelForCausalLM.from_pretrained(name, device_map={"": local_rank})
    ```

    ## Use instead
    ```python
    model = AutoModelForCausalLM.from_pretrained(name)   # no device_map (nor low_cpu_mem_usage)
    ```

    ## When it does not apply
    ZeRO stage 0-2; the model loaded before the training arguments are built (nothing has
    registered the ZeRO-3 config yet: checked with accelerate 1.15 and transformers 5.24,
    where the load succeeds). Under accelerate, peft-lint only fires with
    `zero3_init_flag: true`: older accelerate releases register the config only then.

    ## What makes it certain
    Fires only when the ZeRO stage is known to be 3 (`zero_optimization.stage` of the DeepSpeed
    config named by the training arguments' `deepspeed`, a JSON among the files of the run or a
    dict; or `zero_stage: 3`, or the JSON named by `deepspeed_config_file`, in the accelerate
    config), the training arguments are known to be built before the model is loaded (program
    order in the script; under accelerate only with `zero3_init_flag: true`), and a
    `from_pretrained` call passes a `device_map` that is not `None`.

    A DeepSpeed config that is not among the files (a note says so), a stage computed at run
    time, or an order that is not known keeps it silent. Checked with accelerate 1.15 and
    transformers 5.24; the refusal is one `if` in `check_and_set_device_map`.

    ## Fix safety
    No automatic fix yet.

    ## References
    - transformers `integrations/accelerate.py` `check_and_set_device_map`:
      https://github.com/huggingface/transformers/blob/main/src/transformers/integrations/accelerate.py
    - transformers `training_args.py` (`ACCELERATE_USE_DEEPSPEED` branch calls
      `DeepSpeedPlugin.set_deepspeed_weakref`) and `integrations/deepspeed.py`
      `is_deepspeed_zero3_enabled` (a weak reference: set when the arguments are built)
    """

    code = "PFT202"
    name = "zero3-with-device-map"
    summary = "device_map passed to from_pretrained under DeepSpeed ZeRO-3"
    severity = Severity.ERROR
    reproduction_exempt = ("ZeRO-3 is activated only with the deepspeed package and GPUs; the check "
                           "is one `if` in transformers, cited in References")

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        deepspeed = setup.deepspeed
        if deepspeed is None or not deepspeed.zero_stage.is_(3) or not deepspeed.args_before_load.is_(True):
            return
        for call in setup.load_calls:
            device_map = call.get("device_map")
            if device_map is None or not device_map.known or device_map.value is None:
                continue
            yield self.diagnostic(
                device_map.span or call.span,
                f"ZeRO-3 is on (zero_optimization.stage=3) when the model is loaded, and "
                f"from_pretrained refuses a device map then: \"ValueError: {ERROR}\"",
                help="drop device_map (and low_cpu_mem_usage) under ZeRO-3",
                related=related(deepspeed.zero_stage.span, "ZeRO stage 3"))
