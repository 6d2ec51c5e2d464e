from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.explain import REGEX_CHARACTERS, target_module_match
from peft_lint.facts.model import Span, TrainingSetup

NOT_FOUND = "not found in the base model"
NONE_TARGETED = "No modules were targeted for adaptation"


# Modules that sit directly on the model (its heads): a string target of this name matches
# (peft's check_target_module_exists fullmatches the key, and "lm_head" is the key itself).
TOP_LEVEL_MODULES = frozenset({"lm_head", "score", "classifier", "qa_outputs", "pooler", "embed_out",
                               "output", "head", "classification_head", "proj_out"})

class TargetModulesNotFound(Rule):
    """
    ## What it does
    Checks `target_modules` against the module names of the model's architecture, for the
    resolved transformers version: a list where no name exists in the model, or a single
    name given as a string (a string is a full-match regex over the whole dotted module name,
    so `"q_proj"` matches nothing).

    ## Why is this bad?
    `get_peft_model` raises `ValueError: Target modules {'query_key_value'} not found in the
    base model. Please check the target modules and try again.` (or, when only excluded or
    `modules_to_save` modules matched, "No modules were targeted for adaptation"). Names
    differ between architectures (Llama `q_proj`, Falcon/BLOOM `query_key_value`, GPT-2
    `c_attn`, Phi-3 `qkv_proj`, T5 `q`/`v`) and between versions: transformers 5.9 renamed
    the ViT family's `query`/`value` to `q_proj`/`v_proj`.

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
    get_peft_model(model, LoraConfig(target_modules=["query_key_value"]))
    ```

    ## Use instead
    ```python
    get_peft_model(model, LoraConfig(target_modules=["q_proj", "v_proj"]))   # or "all-linear"
    ```

    ## When it does not apply
    Architectures or versions peft-lint has no module table for (the tables are generated
    by `scripts/gen_knowledge.py`: transformers 4.46.3 to 5.24.0, 43 architectures); names
    with dots or regex characters; `"all-linear"`.

    ## What makes it certain
    Fires only when the trained model is a PEFT model and `target_modules` is known: a single
    string other than `"all-linear"` with no regex characters (for any model); or a list of
    plain names (no dots, no regex characters) none of which is in the module table of a known
    model type (from its class, a known hub id, or a local `config.json`). The table is that of
    the resolved transformers version, else one of the same major version (the newest not newer,
    or the oldest; the message names it); the ViT family is split at 5.9, and MoE architectures
    need their version's own table and, on transformers 5, peft >= 0.19. Targets or a model
    computed at run time keep it silent. Versions are the resolved ones: given, pinned or
    installed, else the newest release peft-lint knows (the output's `versions:` line says
    which).

    Tables: transformers 4.46.3, 4.51.3, 4.57.6, 5.9.0, 5.16.0 and 5.24.0 (43 architectures).
    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix: which modules to adapt is the user's choice.

    ## References
    - peft `tuners/tuners_utils.py` `BaseTuner.inject_adapter` (0.21.2 L1051-1085)
    """

    code = "PFT410"
    name = "target-modules-not-found"
    summary = "target_modules that match no module of the model"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT410]"
    claims = (Claim("error", NOT_FOUND, marker=NOT_FOUND),
              Claim("error", NONE_TARGETED, marker=NONE_TARGETED))

    @staticmethod
    def _string_help(value: str, where: Span | None) -> str:
        if where is not None and not where.path.endswith((".py", ".ipynb")):
            # a flag or config value: HfArgumentParser gives a list, but TRL's ModelConfig turns
            # a list of one back into that string (its __post_init__)
            return (f"give a list ([\"{value}\"]); TRL's ModelConfig turns a lora_target_modules "
                    "of one module back into a string, so name two or more modules there, or "
                    f"the pattern `.*\\.{value}`")
        return f"use a list: target_modules=[\"{value}\"]"

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        adapter = setup.adapter
        if adapter.config_span is None or not setup.trainer.model_is_peft.is_(True):
            return
        targets = adapter.kwargs.get("target_modules")
        if targets is not None and targets.known and isinstance(targets.value, str):
            value = targets.value
            # a plain name fullmatches a module whose whole dotted name it is: a model's own
            # top-level children (its head) do match
            if value != "all-linear" and not (set(value) & REGEX_CHARACTERS) and \
                    value not in TOP_LEVEL_MODULES:
                yield self.diagnostic(
                    targets.span or adapter.config_span,
                    f"target_modules=\"{value}\" is a string, which PEFT matches as a regex against "
                    f"the whole dotted module name: it matches nothing, and get_peft_model raises "
                    f"\"ValueError: Target modules {value} {NOT_FOUND}\".",
                    help=self._string_help(value, targets.span))
            return
        match = target_module_match(setup)
        if match is None:
            return
        matched, missing, table = match
        if matched or not missing:
            return
        extra = self._only_saved(setup, missing)
        model_type = setup.model.model_type.value
        message = (f"None of target_modules {missing} is a module of {model_type} (transformers "
                   f"{table} names): get_peft_model raises \"ValueError: Target modules "
                   f"{{{', '.join(repr(name) for name in sorted(missing))}}} {NOT_FOUND}\".{extra}")
        yield self.diagnostic(targets.span or adapter.config_span if targets else adapter.config_span,
                              message, help="use the architecture's names (see "
                                            "model.named_modules()) or target_modules=\"all-linear\"",
                              related=related(setup.model.model_type.span, f"{model_type} model"))

    def _only_saved(self, setup: TrainingSetup, missing: list[str]) -> str:
        saved = setup.adapter.kwargs.get("modules_to_save")
        if saved is not None and saved.known and saved.value:
            return (f" (With modules_to_save the message can read \"{NONE_TARGETED}\" "
                    "instead.)")
        return ""
