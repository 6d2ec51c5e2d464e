from __future__ import annotations

import re
from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge.versions import version_at_least

# Checkpoints whose config sets tie_word_embeddings=True.
TIED = (r"gemma", r"llama-3\.2-(1b|3b)", r"qwen2\.5-(0\.5b|1\.5b|3b)", r"qwen3-(0\.6b|1\.7b|4b)",
        r"(^|/)gpt2", r"facebook/opt-")
TIED_MODULES = ("embed_tokens", "lm_head", "wte", "embed_out")
ENSURE_SINCE = "0.18.0"


class TiedEmbeddingsInAdapter(Rule):
    """
    ## What it does
    Finds `embed_tokens` or `lm_head` in `modules_to_save` or `target_modules` for a model
    whose input and output embeddings are tied (Gemma, Llama-3.2-1B/3B, Qwen2.5-0.5B-3B, GPT-2,
    OPT ...), without `ensure_weight_tying=True`.

    ## Why is this bad?
    The adapter gets separate copies of the two tied matrices: twice the memory, and input
    and output embeddings drift apart. PEFT warns ("Model has tie_word_embeddings=True and a
    tied layer is part of the adapter, but ensure_weight_tying is not set to True. This can
    lead to complications, for example when merging the adapter ...") and, after merging,
    "Input and output embeddings are no longer tied after merging."

    ## Example
    ```python
    LoraConfig(r=16, target_modules="all-linear", modules_to_save=["lm_head", "embed_tokens"])
    ```

    ## Use instead
    ```python
    LoraConfig(r=16, target_modules="all-linear", modules_to_save=["lm_head", "embed_tokens"],
               ensure_weight_tying=True)
    ```
    or `trainable_token_indices` for a few new tokens.

    ## When it does not apply
    Untied models; `ensure_weight_tying=True`; peft < 0.18 (the option does not exist there).
    ms-swift runs (`swift sft --modules_to_save embed_tokens lm_head`): swift trains the two
    copies on purpose, has no flag for `ensure_weight_tying`, and its export unties the merged
    model's config itself (`check_tie_word_embeddings`).

    ## What makes it certain
    Fires only when the resolved peft is >= 0.18, the model type is known and its class or model
    id matches a family with tied embeddings (Gemma, Llama-3.2-1B/3B, Qwen2.5-0.5B-3B,
    Qwen3-0.6B-4B, GPT-2, OPT), `ensure_weight_tying` is not written or written False, and
    `modules_to_save` or `target_modules` is a known list naming `embed_tokens`, `lm_head`,
    `wte` or `embed_out`. An `ensure_weight_tying` computed at run time keeps it silent; `**`
    arguments that could pass it are not considered. That the embeddings are tied comes from the
    name patterns, not from the checkpoint's config. Versions are the resolved ones: given,
    pinned or installed, else the newest release peft-lint knows (the output's `versions:` line
    says which).

    The warning is peft's `_check_tied_modules` (PR #2803); not reproduced.

    ## Fix safety
    No automatic fix yet.

    ## References
    - https://github.com/huggingface/peft/pull/2803, https://github.com/huggingface/peft/issues/2777
    - peft `tuners/tuners_utils.py` `_check_tied_modules`
    """

    code = "PFT409"
    name = "tied-embeddings-in-adapter"
    summary = "Tied embedding matrix copied into the adapter"
    severity = Severity.WARNING

    @staticmethod
    def _help(setup: TrainingSetup) -> str:
        if setup.trainer.kind.is_("axolotl"):  # axolotl's key for it
            return "set peft_ensure_weight_tying: true (peft >= 0.18)"
        return "add ensure_weight_tying=True to the config (peft >= 0.18)"

    @staticmethod
    def _trl_refuses_lm_head(setup: TrainingSetup) -> bool:
        from peft_lint.knowledge import trl

        kind = setup.trainer.kind
        return kind.known and "trl" in setup.versions and \
            trl.lm_head_adapter_refusal(setup.version("trl"), str(kind.value)) is not None

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        adapter = setup.adapter
        if adapter.config_span is None or not version_at_least(setup.version("peft"), ENSURE_SINCE):
            return
        if setup.trainer.kind.is_("ms-swift"):
            return
        model_id = setup.model.model_type.origin.detail
        if not (setup.model.model_type.known and any(re.search(p, model_id.lower()) for p in TIED)):
            return
        ensure = adapter.kwargs.get("ensure_weight_tying")
        if ensure is not None and (ensure.is_(True) or not ensure.known):
            return
        if ensure is None and not adapter.kwargs_complete:
            return  # `**` arguments may pass ensure_weight_tying
        for key in ("modules_to_save", "target_modules"):
            fact = adapter.kwargs.get(key)
            if fact is None or not fact.known or not isinstance(fact.value, list):
                continue
            tied = [name for name in fact.value if name in TIED_MODULES]
            if key == "target_modules" and "lm_head" in tied and self._trl_refuses_lm_head(setup):
                continue  # the trainer refuses the run first (PFT811): one root cause, one finding
            if tied:
                yield self.diagnostic(
                    fact.span or adapter.config_span,
                    f"{tied} in {key} of a model with tied input and output embeddings: the adapter "
                    "gets separate copies of the tied matrix (twice the memory, and the two drift "
                    "apart; PEFT warns and merging unties them).",
                    help=self._help(setup))
                return
