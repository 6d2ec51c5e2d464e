from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule
from peft_lint.facts.model import RemovedApi, RemovedName, TrainingSetup
from peft_lint.knowledge import fields
from peft_lint.knowledge.versions import sort_key

UNEXPECTED = "__init__() got an unexpected keyword argument"
CANNOT_IMPORT = "ImportError: cannot import name"


class RemovedTrainerApi(Rule):
    """
    ## What it does
    Checks the keywords given to a trainer's constructor (`Trainer`, `Seq2SeqTrainer`, TRL's
    `SFTTrainer`, `DPOTrainer`, `GRPOTrainer`, `KTOTrainer`, `ORPOTrainer`, `RewardTrainer`,
    `CPOTrainer`, `PPOTrainer`, and a project subclass that keeps their `__init__`) and the
    names imported with `from trl import ...` / `from peft import ...` against the resolved
    releases, and names the replacement API of that release.

    ## Why is this bad?
    Tutorial code outlives the APIs it was written for. Each of these stops the job after it
    is queued, before the first step:
    - `Trainer(tokenizer=tok)` on transformers 5: `TypeError: Trainer.__init__() got an
      unexpected keyword argument 'tokenizer'` (renamed `processing_class` in 4.46; the old
      name was accepted until 4.57).
    - `SFTTrainer(tokenizer=, dataset_text_field=, max_seq_length=, packing=)`: TRL moved
      the dataset options to `SFTConfig` (0.12 deprecated them on the trainer, 0.13 removed
      them) and later renamed `max_seq_length` to `max_length`; `tokenizer` became
      `processing_class` (the old name was taken until 0.15).
    - `from trl import DataCollatorForCompletionOnlyLM` on TRL 0.20+: `ImportError: cannot
      import name 'DataCollatorForCompletionOnlyLM' from 'trl'`; SFTTrainer masks the prompt
      itself now.
    - `from peft import prepare_model_for_int8_training` on peft 0.10+: use
      `prepare_model_for_kbit_training`.
    - `from trl import ORPOTrainer` on TRL 1.x: the class moved to `trl.experimental.orpo`.

    ## Example
    ```python
    from trl import SFTTrainer

    trainer = SFTTrainer(model=model, tokenizer=tokenizer, train_dataset=dataset,
                         dataset_text_field="text", max_seq_length=1024, args=training_args)
    ```

    ## Use instead
    ```python
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(output_dir="out", dataset_text_field="text", max_length=1024)
    trainer = SFTTrainer(model=model, processing_class=tokenizer, train_dataset=dataset, args=args)
    ```

    ## When it does not apply
    A release without a generated table (the finding is withheld, with a note); a trainer class
    the project subclasses with its own `__init__` (its keywords are its own); with unsloth
    imported, TRL's trainers (unsloth wraps their constructors and moves `tokenizer` and the
    config keywords where they now belong); a trainer built, or a name imported, on one arm of
    a branch the script decides at run time, or inside a `try` whose `except` catches the
    ImportError (a version guard). `from trl.trainer.x import ...` (submodules are not checked).

    When nothing pins the library versions, each removed API is still reported (it crashes for
    whoever installs today), and one note says which releases the script appears written for.

    ## What makes it certain
    The keywords each release's constructor accepts (with the old names its
    `@deprecate_kwarg` decorators still take) and the names each release's `__init__` exports
    (its imports, its lazy `_import_structure`, its submodules) are read from the wheels of
    every minor release, transformers 4.30-5.24, trl 0.7-1.16, peft 0.4-0.21
    (`scripts/gen_knowledge.py --from-wheels`). The replacement is read from the same tables
    where they can say it: the new name of a deprecated keyword, a field of the trainer's
    config class (`SFTConfig`), the module that exports a moved trainer. Reproduced on
    transformers 5.24.0 with trl 1.16.0 and peft 0.21.2, and 4.57.6 (where `tokenizer=` is
    still accepted).

    ## Fix safety
    Renaming `tokenizer=` to `processing_class=` is safe; moving dataset options to the
    config needs the release's field names (the message gives them). No automatic fix yet.

    ## References
    - https://github.com/huggingface/transformers/pull/41128 (tokenizer removed from Trainer, v5)
    - https://github.com/huggingface/trl/pull/2162 (SFTTrainer options moved to SFTConfig,
      `processing_class`)
    - https://github.com/huggingface/trl/issues/3827 (DataCollatorForCompletionOnlyLM removed, 0.20)
    - https://github.com/huggingface/peft/pull/1358 (prepare_model_for_int8_training removed)
    - https://github.com/huggingface/course/issues/1171,
      https://github.com/HandsOnLLM/Hands-On-Large-Language-Models/issues/32 (reports)
    """

    code = "PFT803"
    name = "removed-trainer-api"
    summary = "Trainer keyword or library import the resolved release removed or renamed"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT803]"
    claims = (Claim("error", UNEXPECTED, marker=UNEXPECTED),
              Claim("error", CANNOT_IMPORT, marker=CANNOT_IMPORT))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        for api in setup.removed_apis:
            if api.kind == "keyword":
                yield self._keywords(api, setup)
            else:
                yield self._imports(api, setup)

    def _keywords(self, api: RemovedApi, setup: TrainingSetup) -> Diagnostic:
        first = api.names[0]
        owner = f"{api.subclass} (which keeps {api.target}'s __init__)" if api.subclass else api.target
        verb = "is not a keyword" if len(api.names) == 1 else "are not keywords"
        return self.diagnostic(
            first.span,
            f"{_listed(api.names)} {verb} of the constructor of {owner} in "
            f"{setup.version_label(api.package)}: the job stops before training with \"TypeError: "
            f"{api.target}.{UNEXPECTED} '{first.name}'\".{_history(api, 'took')}",
            help=_keyword_fix(api))

    def _imports(self, api: RemovedApi, setup: TrainingSetup) -> Diagnostic:
        first = api.names[0]
        verb = "is not exported" if len(api.names) == 1 else "are not exported"
        return self.diagnostic(
            first.span,
            f"{_listed(api.names)} {verb} by {setup.version_label(api.package)}: the script stops "
            f"at this import with \"{CANNOT_IMPORT} '{first.name}' from '{api.package}'\"."
            f"{_history(api, 'exported')}",
            help=_import_fix(api))


def _listed(names: tuple[RemovedName, ...] | list[RemovedName]) -> str:
    quoted = [f"`{removed.name}`" for removed in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _history(api: RemovedApi, verb: str) -> str:
    """The releases that last had each name, grouped: " trl 0.12.x was the last release that
    took `a` and `b`; trl 0.15.x the last that took `c`." ("" when none had any)."""
    by_release: dict[str, list[RemovedName]] = {}
    for removed in api.names:
        if removed.last_release:
            by_release.setdefault(removed.last_release, []).append(removed)
    parts = [f"{api.package} {fields.release_series(api.package, release)} "
             f"{'was the last release that' if index == 0 else 'the last that'} {verb} {_listed(names)}"
             for index, (release, names) in enumerate(by_release.items())]
    added: dict[str, list[RemovedName]] = {}
    for removed in api.names:
        if not removed.last_release and removed.first_release:
            added.setdefault(removed.first_release, []).append(removed)
    parts += [f"{_listed(names)} {'appears' if len(names) == 1 else 'appear'} only from "
              f"{api.package} {release}" for release, names in added.items()]
    never = [removed for removed in api.names if not removed.last_release and not removed.first_release]
    if never:
        parts.append(f"no {api.package} release peft-lint knows {verb} {_listed(never)}")
    return f" {'; '.join(parts)}." if parts else ""


def _keyword_fix(api: RemovedApi) -> str:
    fixes: list[str] = []
    renamed = [removed for removed in api.names if removed.replacement_kind == "renamed"]
    fixes += [f"pass `{removed.replacement}=` instead of `{removed.name}=`" for removed in renamed]
    moved = [removed for removed in api.names if removed.replacement_kind == "config"]
    if moved:
        settings = ", ".join(removed.replacement.split("(", 1)[1].rstrip(")") for removed in moved)
        fixes.append(f"set {_listed(moved)} on the arguments instead: "
                     f"`args={api.config_class}(..., {settings})`")
    fixes += [f"`{removed.name}`: did you mean `{removed.replacement}`?"
              for removed in api.names if removed.replacement_kind == "close"]
    fixes += _upgrade_fix(api)
    rest = [removed for removed in api.names if not removed.replacement_kind and not removed.first_release]
    if rest:
        fixes.append(f"remove {_listed(rest)}, or pin the release the script was written for")
    return "; ".join(fixes)


def _import_fix(api: RemovedApi) -> str:
    fixes: list[str] = []
    by_module: dict[str, list[RemovedName]] = {}
    for removed in api.names:
        if removed.replacement_kind == "moved":
            by_module.setdefault(removed.replacement.split()[1], []).append(removed)
    fixes += [f"import from the module that has {'it' if len(names) == 1 else 'them'} now: "
              f"`from {module} import {', '.join(removed.name for removed in names)}`"
              for module, names in by_module.items()]
    fixes += [f"`{removed.name}`: {removed.replacement}" for removed in api.names
              if removed.replacement_kind == "advice"]
    fixes += [f"`{removed.name}`: did you mean `{removed.replacement}`?" for removed in api.names
              if removed.replacement_kind == "close"]
    fixes += _upgrade_fix(api)
    rest = [removed for removed in api.names if not removed.replacement_kind and not removed.first_release]
    if rest:
        fixes.append(f"remove the import of {_listed(rest)}, or pin the release the script was written for")
    return "; ".join(fixes)


def _upgrade_fix(api: RemovedApi) -> list[str]:
    """For names added after the resolved release: the requirement that has them all."""
    firsts = [removed.first_release for removed in api.names
              if removed.first_release and not removed.last_release and not removed.replacement_kind]
    if not firsts:
        return []
    newest = max(firsts, key=sort_key)
    return [f"require `{api.package}>={newest}`, the first release that has "
            f"{'it' if len(firsts) == 1 else 'them'}"]
