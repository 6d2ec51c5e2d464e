from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import replace

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import KeyCheck, Span, TrainingSetup
from peft_lint.knowledge import deepspeed, fields, trl

PARSER = "Some keys are not used by the HfArgumentParser"
FLAGS = "Some specified arguments are not used by the HfArgumentParser"
CALL = "got an unexpected keyword argument"


class UnknownConfigKey(Rule):
    """
    ## What it does
    Checks the keys given to `TrainingArguments`, `Seq2SeqTrainingArguments`, TRL configs
    (`SFTConfig`, ...), `LoraConfig` and `AdaLoraConfig` (as keyword arguments, through `**`
    from a YAML/JSON file, or in a config read by `HfArgumentParser`) against the fields of
    the resolved library version, and suggests the nearest field.

    ## Why is this bad?
    A key the class does not have stops the job at start: keyword arguments raise
    `TypeError: TrainingArguments.__init__() got an unexpected keyword argument 'x'`, and
    `HfArgumentParser.parse_yaml_file` raises `ValueError: Some keys are not used by the
    HfArgumentParser: ['x']`. Typos are one cause; renames are the other:
    `evaluation_strategy` no longer exists in transformers 5 (`eval_strategy`), and
    `activation_checkpointing` does not exist before 5.23 (`gradient_checkpointing`).

    ## Example
    ```yaml
    output_dir: out
    evaluation_strategy: steps
    ```

    ## Use instead
    ```yaml
    output_dir: out
    eval_strategy: steps
    ```

    The launcher's flags are checked the same way: `parse_args_into_dataclasses()` (and
    TRL's `parse_args_and_config()`) raise `ValueError: Some specified arguments are not used
    by the HfArgumentParser: ['--evaluation_strategy', 'steps']` for a flag no dataclass has,
    unless the script asks for the remaining strings (`return_remaining_strings=True`) or uses
    `parse_known_args`. `--no_<field>` and an unambiguous prefix of a flag are accepted.

    TRL's `TrlParser` checks the keys of its `--config` YAML itself (`env` aside): from TRL 0.19
    an unknown key raises `ValueError: Unknown arguments from config file: [...]`; before, it was
    dropped without a word (a warning: the setting has no effect).

    A DeepSpeed JSON's `zero_optimization` (and its `offload_param` / `offload_optimizer`),
    and from DeepSpeed 0.17.1 its `bf16` / `fp16` sections, are pydantic models that forbid
    unknown keys: `"overlap_com": true` makes `deepspeed.initialize` raise `ValidationError: 1
    validation error for DeepSpeedZeroConfig` / `overlap_com` / `Extra inputs are not
    permitted` at the start of training (under ZeRO-3 already at the model load). A key whose
    value is "auto" is dropped by DeepSpeed first and is not judged.

    With unsloth imported, TRL's configs are unsloth's (`UnslothSFTConfig`, ...): they accept
    unsloth's own fields and forward some old names; from unsloth 2026.8 they drop any other
    unknown key with a printed warning instead of raising, so the finding is a warning there
    (the setting silently has no effect).

    ## When it does not apply
    A library version without a field table of its own minor release (peft-lint has tables for
    every minor of transformers 4.30-5.24, peft 0.4-0.21 and trl 0.7-1.16, generated from the
    wheels by `scripts/gen_knowledge.py --from-wheels`): the keys are not checked and a note
    says why, instead of judging by a neighbouring release. Classes that accept any keyword
    (`**kwargs`); parser dataclasses defined in other modules. A version installed from a git
    commit is not known: the finding is withheld, with a note.

    When nothing pins the library versions, each removed key is still reported (it crashes for
    whoever installs today), and one note says which releases the script appears written for.

    ## What makes it certain
    Fires only for a key that is known (a keyword argument, a key of a dict or YAML/JSON file
    passed with `**`, or a key of a config read by `HfArgumentParser` whose dataclasses are
    known) and that is not a field of the class in the field table of the resolved version's
    minor release. A minor release without a table: not checked, with a note; a dataclass from
    another module, or arguments computed at run time: not checked. A version installed from a
    git commit withholds the finding, with a note. When nothing pins the library, the newest
    release peft-lint knows is assumed and the finding stays an error, with a note naming the
    releases the script appears written for. With unsloth imported the severity follows what
    unsloth does with the key: a warning where it drops it, an info for a key TRL retired.

    Tables from the wheels: transformers 4.30-5.24, peft 0.4-0.21, trl 0.7-1.16; DeepSpeed's
    models from its source archives 0.14-0.19 (reproduced on 0.19.8). Reproduced on
    transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    Renaming to the suggested field is usually right but not always; no automatic fix yet.

    ## References
    - transformers `hf_argparser.py` `HfArgumentParser.parse_dict` (allow_extra_keys=False)
    - deepspeed `runtime/config_utils.py` (`DeepSpeedConfigModel`: `extra="forbid"`, "auto"
      dropped) and `runtime/zero/config.py` (`DeepSpeedZeroConfig`)
    - field tables: `src/peft_lint/knowledge/data/` (generated from each release's wheel)
    """

    code = "PFT701"
    name = "unknown-config-key"
    summary = "Config key that the resolved library version does not have"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT701]"
    claims = (Claim("error", PARSER, marker=PARSER), Claim("error", f"__init__() {CALL}", marker=CALL),
              Claim("error", FLAGS, marker=FLAGS),
              Claim("error", deepspeed.EXTRA_FORBIDDEN, marker=deepspeed.EXTRA_FORBIDDEN),
              Claim("error", deepspeed.EXTRA_FORBIDDEN_V1, marker=deepspeed.EXTRA_FORBIDDEN_V1))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for check in setup.key_checks:
            version = " with ".join(setup.version_label(package) for package in check.package.split("+"))
            for key, span in check.unknown:
                if check.via == "deepspeed":
                    yield self._deepspeed(check, key, span, version)
                    continue
                close = difflib.get_close_matches(key, sorted(check.allowed), n=1, cutoff=0.6)
                hint = f" Did you mean `{close[0]}`?" if close else ""
                help = f"rename it to `{close[0]}`" if close else "remove it, or check the library " \
                                                                  "version it was written for"
                if check.via == "retired":  # removed by TRL; unsloth drops it on purpose, with advice
                    yield replace(self.diagnostic(
                        span, f"`{key}` was removed from {check.target.removeprefix('Unsloth')} before "
                              f"{version}; with {setup.version_label('unsloth')} the config drops it "
                              "and prints the library's advice, so the setting has no effect.",
                        help="remove it and follow the advice unsloth prints"), severity=Severity.INFO)
                    continue
                if check.via == "dropped":  # unsloth's configs drop unknown keys, printing a warning
                    yield replace(self.diagnostic(
                        span, f"`{key}` is not a field of {check.target} in {version} with "
                              f"{setup.version_label('unsloth')}: unsloth drops it and prints a "
                              f"warning instead of raising, so the setting has no effect.{hint}",
                        help=help),
                        severity=Severity.WARNING)
                    continue
                if check.via == "trl-config":
                    if not trl.config_unknown_keys_raise(setup.version("trl")):
                        yield replace(self.diagnostic(
                            span, f"`{key}` is not a field of {check.target} in {version}: TrlParser "
                                  f"drops an unknown key of its --config file without a word on "
                                  f"{setup.version_label('trl')}, so the setting has no effect.{hint}",
                            help=help), severity=Severity.WARNING)
                        continue
                    error = f"ValueError: Unknown arguments from config file: ['--{key}', ...]"
                elif check.via == "parser":
                    error = f"ValueError: {PARSER}: ['{key}']"
                elif check.via == "cli-flags":
                    error = f"ValueError: {FLAGS}: {_flag_strings(key, check)}"
                else:
                    error = f"TypeError: {check.target}.__init__() {CALL} '{key}'"
                yield self.diagnostic(
                    span, f"`{key}` is not a field of {check.target} in {version}: the job stops at "
                          f"start with \"{error}\".{hint}", help=help)

    def _deepspeed(self, check: KeyCheck, key: str, span: Span, version: str) -> Diagnostic:
        """A key of a DeepSpeed JSON section that DeepSpeed's model of it does not have."""
        section, name = key.rsplit(".", 1)
        location = key.split(".", 1)[1]  # pydantic names it from inside the top-level section
        close = difflib.get_close_matches(name, sorted(check.allowed), n=1, cutoff=0.6)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        error = deepspeed.validation_error(check.target, location, check.refusal,
                                           check.refusal == deepspeed.EXTRA_FORBIDDEN_V1)
        since = fields.first_release_with(check.classes[0]) if check.classes else None
        known = fields.covered_versions("deepspeed")
        history = f"; releases before {since} ignored an unknown key there" \
            if since and known and since != known[0] else ""
        return self.diagnostic(
            span, f"`{name}` is not a setting of `{section}` in {version}: DeepSpeed validates "
                  f"`{key.split('.')[0]}` with {check.target}, which forbids unknown keys, and "
                  f"`deepspeed.initialize` (at the start of training; under ZeRO-3 already at the "
                  f"model load) raises pydantic's {error}{history}.{hint}",
            help=f"rename it to `{close[0]}`" if close else
            f"remove it (releases before {since} did not read it)" if history else
            "remove it, or check the DeepSpeed version it was written for")


def _flag_strings(key: str, check: KeyCheck) -> str:
    """The strings the parser leaves over for one flag, as its error lists them."""
    value = check.values.get(key)
    flag = f"'--{key}'" if value is None or value is True else f"'--{key}', '{value}'"
    return f"[{flag}]" if len(check.unknown) == 1 else f"[{flag}, ...]"
