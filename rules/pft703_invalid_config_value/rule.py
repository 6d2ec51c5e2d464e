from __future__ import annotations

import difflib
from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import RejectedValue, TrainingSetup

ENUM = "is not a valid"
ARGPARSE = "invalid choice"
BIAS = "is not implemented"
RANK = "should be a positive integer value"
DROPOUT = "dropout probability has to be between 0 and 1"
PRECISION = "Unknown mixed_precision mode"
NO_TORCH_NAME = "module 'torch' has no attribute"
NO_DTYPE = "bnb_4bit_compute_dtype must be torch.dtype"
# pydantic's words for a refused value in DeepSpeed's models (v2; v1 before DeepSpeed 0.15)
DEEPSPEED = "Input should be"
DEEPSPEED_V1_ENUM = "value is not a valid enumeration member"
DEEPSPEED_V1_BOUND = "ensure this value is"
# YAML 1.1 booleans (PyYAML): what a user meant by a value read as True / False
YAML_BOOLEANS = {True: ("yes", "on", "true"), False: ("no", "off", "false")}


class InvalidConfigValue(Rule):
    """
    ## What it does
    Validates every config the run builds against the generated model of its class at the
    resolved versions, and reports the values the library refuses when the job starts:
    - a value outside the enum that `TrainingArguments` converts it to (`save_strategy`,
      `eval_strategy`, `logging_strategy`, `lr_scheduler_type`, `optim`, `hub_strategy`), with
      the values of the resolved release: a scheduler or optimizer name from another release, a
      typo, or YAML's `no` read as the boolean False;
    - a command-line flag outside the choices HfArgumentParser gives argparse (those enums,
      and the Literal and `choices` fields of TRL's configs and scripts);
    - `LoraConfig(bias=...)` outside none/all/lora_only, `r` not positive, `lora_dropout` above 1;
    - `BitsAndBytesConfig(bnb_4bit_compute_dtype=...)` as a string that names no torch dtype
      (`"bf16"`, `"torch.bfloat16"`: transformers runs `getattr(torch, value)`);
    - an accelerate config's `distributed_type` or `compute_environment` outside its enum, and
      its `mixed_precision` outside no/fp16/bf16/fp8 (for the launches where that is checked);
    - a DeepSpeed JSON value that DeepSpeed's own pydantic model of the section refuses:
      `zero_optimization.stage` outside 0-3, an offload `device` outside none/cpu/nvme
      (`"gpu"`, `"CPU"`), a bound such as `reduce_bucket_size > 0` or `ratio <= 1`.

    ## Why is this bad?
    The job stops at start, after the launcher has taken the machines:
    `ValueError: False is not a valid SaveStrategy, please select one of ['no', 'steps',
    'epoch', 'best']` when the arguments are built (kwargs, `HfArgumentParser.parse_yaml_file` /
    `parse_dict`, TrlParser's `--config`); argparse's `error: argument --save_strategy: invalid
    choice: 'step'` (exit 2) for a flag; `NotImplementedError: Requested bias: lora, is not
    implemented.`, `` ValueError: `r` should be a positive integer value `` or torch's
    `ValueError: dropout probability has to be between 0 and 1` in `get_peft_model`;
    `accelerate launch --config_file` stops with `ValueError: 'MULTI_GPUS' is not a valid
    DistributedType` or `ValueError: Unknown mixed_precision mode: bf` before starting anything.
    DeepSpeed raises pydantic's `ValidationError: 1 validation error for DeepSpeedZeroConfig`
    when `deepspeed.initialize` builds the config (the start of training), or already when
    transformers loads a model under ZeRO-3 (`deepspeed.zero.Init`).

    PyYAML reads YAML 1.1, where `no`, `off`, `yes` and `on` are booleans: `save_strategy: no`
    is `False`, not the strategy `"no"`.

    ## Example
    ```yaml
    save_strategy: no
    lr_scheduler_type: cosine_with_warmup
    ```

    ## Use instead
    ```yaml
    save_strategy: "no"
    lr_scheduler_type: cosine
    ```

    ## When it does not apply
    Values that are not constants (a variable, a shell variable that is not set in the
    launcher); a field a project class declares itself; a Literal field built from values (no
    library check); a class of a version without field tables; `target_modules` as one string
    (PFT410 reports it). A DeepSpeed value "auto" (DeepSpeed drops it before validating;
    transformers fills it in); an int-enum value written as a string or float (`"3"`, `3.0`:
    pydantic accepts them); the sections DeepSpeed reads without a model (`optimizer`,
    `scheduler`), and `bf16`/`fp16` before DeepSpeed 0.17.1 (no model then).

    ## What makes it certain
    The choices are read from the released wheels per version (the field tables), and each kind
    of check is reproduced: the enum conversion on transformers 4.57.6 and 5.24.0 through
    kwargs, `parse_dict`, `parse_yaml_file` and TrlParser's `--config`; argparse's choices for
    flags; LoRA's checks on peft 0.17 and 0.21 (the messages since peft 0.6); accelerate's on
    1.15 with `accelerate launch --config_file` (the same code in every release 0.20-1.15;
    mixed_precision for the NO, MULTI_CPU, MULTI_GPU and FSDP launches, not DeepSpeed's).
    DeepSpeed's models (fields, aliases, Enum values, `Field` bounds) are read from every
    release's source archive 0.14-0.19; the refusals are reproduced on 0.19.8 by building
    `deepspeed.runtime.config.DeepSpeedConfig`, the first thing `deepspeed.initialize` does.

    ## Fix safety
    The fix is the value the run meant; peft-lint suggests the nearest accepted value but does
    not write it.

    ## References
    - transformers `training_args.py` (`__post_init__`: `SaveStrategy(self.save_strategy)`, ...)
      and `utils/generic.py` (`ExplicitEnum._missing_`)
    - transformers `hf_argparser.py` (`_parse_dataclass_field`: choices of an Enum or Literal)
    - peft `tuners/lora/layer.py` (`update_layer`) and `tuners/lora/model.py`
      (`_mark_only_adapters_as_trainable`)
    - accelerate `commands/config/config_args.py` (`BaseConfig.__post_init__`) and
      `utils/launch.py` (`Unknown mixed_precision mode`)
    - deepspeed `runtime/zero/config.py` (`DeepSpeedZeroConfig`, `ZeroStageEnum`),
      `runtime/zero/offload_config.py` (`OffloadDeviceEnum`) and `runtime/config_utils.py`
      (`DeepSpeedConfigModel`: "auto" dropped, `extra="forbid"`)
    - https://yaml.org/type/bool.html (YAML 1.1 booleans)
    """

    code = "PFT703"
    name = "invalid-config-value"
    summary = "Config value the library refuses when the job starts"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT703]"
    claims = (Claim("error", ENUM, marker=ENUM), Claim("error", ARGPARSE, marker=ARGPARSE),
              Claim("error", BIAS, marker=BIAS), Claim("error", RANK, marker=RANK),
              Claim("error", DROPOUT, marker=DROPOUT), Claim("error", PRECISION, marker=PRECISION),
              Claim("error", NO_TORCH_NAME, marker=NO_TORCH_NAME), Claim("error", NO_DTYPE, marker=NO_DTYPE),
              Claim("error", DEEPSPEED, marker=DEEPSPEED),
              Claim("error", DEEPSPEED_V1_ENUM, marker=DEEPSPEED_V1_ENUM),
              Claim("error", DEEPSPEED_V1_BOUND, marker=DEEPSPEED_V1_BOUND))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for rejected in setup.rejected_values:
            if rejected.span is None:
                continue
            yield self.diagnostic(rejected.span, self._message(rejected, setup), help=self._help(rejected))

    @staticmethod
    def _message(rejected: RejectedValue, setup: TrainingSetup) -> str:
        written = _written(rejected)
        package = rejected.package
        versions = setup.version_label(package)
        if package == "deepspeed":
            return (f"{written} is refused by DeepSpeed's {rejected.target} in {versions}: "
                    f"`deepspeed.initialize` (at the start of training; under ZeRO-3 already at the "
                    f"model load) raises pydantic's {rejected.error}.")
        if rejected.route == "argv":
            return (f"{written}: HfArgumentParser gives argparse the choices of {rejected.key} in "
                    f"{versions}, and the script stops at once with \"error: argument "
                    f"--{rejected.key}: {rejected.error}\" (exit 2).")
        if package == "accelerate":
            return (f"{written} is not one of the values of {rejected.key} in {versions}: "
                    f"`accelerate launch` stops with \"{rejected.error}\" before any process starts.")
        if rejected.key == "bnb_4bit_compute_dtype":
            return (f"{written} names no torch dtype: building BitsAndBytesConfig on {versions} runs "
                    f"`getattr(torch, {rejected.value!r})` and raises \"{rejected.error}\", before the "
                    "model loads.")
        if rejected.kind == "choice" and package == "transformers":
            return (f"{written} is not one of the values of {rejected.key} in {versions}: building "
                    f"{rejected.target} raises \"{rejected.error}\", before training starts.")
        return f"{written}: get_peft_model raises \"{rejected.error}\" on {versions}."

    @staticmethod
    def _help(rejected: RejectedValue) -> str:
        if rejected.package == "deepspeed" and rejected.kind == "range":
            return "write a value that satisfies it (" + rejected.error.rsplit(": ", 1)[-1].strip('"') + ")"
        if rejected.kind == "range":
            return ("LoRA's rank r is a positive integer (8, 16, 64)" if rejected.key == "r" else
                    "lora_dropout is a probability between 0 and 1 (0.05 is common; 0 for none)")
        meant = _meant(rejected)
        if meant is not None:
            return f"quote it: {rejected.key}: \"{meant}\"" if rejected.written_in == "yaml" else \
                f"write {rejected.key}=\"{meant}\""
        close = difflib.get_close_matches(str(rejected.value), rejected.allowed, n=1, cutoff=0.6)
        listed = ", ".join(rejected.allowed) if len(rejected.allowed) <= 20 else \
            f"{len(rejected.allowed)} values: {', '.join(rejected.allowed[:12])}, ..."
        if close:
            return f"did you mean \"{close[0]}\"? (accepted: {listed})"
        return f"accepted: {listed}"


def _meant(rejected: RejectedValue) -> str | None:
    """The choice a YAML 1.1 boolean stands for (`no` -> "no"), when that is a choice."""
    if rejected.written_in != "yaml" or not isinstance(rejected.value, bool):
        return None
    return next((word for word in YAML_BOOLEANS[rejected.value] if word in rejected.allowed), None)


def _written(rejected: RejectedValue) -> str:
    if rejected.written_in == "yaml" and isinstance(rejected.value, bool):
        return (f"`{rejected.key}` is read as {rejected.value} (PyYAML follows YAML 1.1, where "
                f"{'/'.join(YAML_BOOLEANS[rejected.value][:2])} are booleans), which")
    if rejected.written_in == "shell" or rejected.route == "argv":
        return f"`--{rejected.key} {rejected.value}`"
    if rejected.written_in in ("yaml", "json"):
        return f"`{rejected.key}: {rejected.value}`"
    return f"`{rejected.key}={rejected.value!r}`"
