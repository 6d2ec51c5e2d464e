from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup

EMBEDDINGS = ("embed_tokens", "lm_head", "wte", "word_embeddings", "embed_in", "embed_out", "shared")
FROZEN_ROWS = "the rows of the new tokens stay at their initial values"


class NewTokensNotTrainable(Rule):
    """
    ## What it does
    Finds tokens added to the tokenizer (`add_tokens`, `add_special_tokens`) and
    `model.resize_token_embeddings(...)`, with an adapter that trains neither the input
    embeddings nor the output head: not in `modules_to_save`, not in `target_modules`, no
    `trainable_token_indices`.

    ## Why is this bad?
    `get_peft_model` freezes the base model, including the embedding rows that
    `resize_token_embeddings` just created. Training runs normally, but the new tokens keep
    their initial embeddings: the model cannot learn to read or emit them (a chat template's
    new end-of-turn token is never learned, so generation does not stop). Nothing warns.

    ## Example
    ```python
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    model.resize_token_embeddings(len(tokenizer))
    model = get_peft_model(model, LoraConfig(target_modules=["q_proj", "v_proj"]))
    ```

    ## Use instead
    ```python
    new_ids = tokenizer.convert_tokens_to_ids(["<|im_start|>", "<|im_end|>"])
    model = get_peft_model(model, LoraConfig(target_modules=["q_proj", "v_proj"],
                                             trainable_token_indices={"embed_tokens": new_ids}))
    ```
    or `modules_to_save=["embed_tokens", "lm_head"]` (full copies, more memory).

    ## When it does not apply
    No tokens added; embeddings trained by the adapter; adapter options computed at run time.

    ## What makes it certain
    Fires only when the script adds tokens to a tokenizer and calls `resize_token_embeddings` on
    the trained model, trains a PEFT model, every argument of the adapter config is known (no
    `**` computed at run time), no `trainable_token_indices` is given, and a known
    `modules_to_save`/`target_modules` names no embedding or output layer (`embed_tokens`,
    `lm_head`, `wte`, `word_embeddings`, `embed_in`, `embed_out`, `shared`). A list computed at
    run time keeps it silent.

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix.

    ## References
    - PEFT docs `developer_guides/troubleshooting.md`, "Extending the vocabulary"
    """

    code = "PFT413"
    name = "new-tokens-not-trainable"
    summary = "New tokens whose embeddings the adapter never trains"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT413]"
    claims = (Claim("new-rows-untrained", marker=FROZEN_ROWS),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        adapter = setup.adapter
        if not (setup.added_tokens and setup.resizes and adapter.config_span):
            return
        if not (setup.trains_here.is_(True) and setup.trainer.model_is_peft.is_(True)):
            return
        if not adapter.kwargs_complete or self._trains_embeddings(setup) is not False:
            return
        yield self.diagnostic(
            adapter.config_span,
            "Tokens are added and the embeddings resized, but the adapter trains neither the input "
            f"embeddings nor the output head: get_peft_model freezes them, so {FROZEN_ROWS} and "
            "the model never learns the new tokens.",
            help="add trainable_token_indices={\"embed_tokens\": <new token ids>} (peft >= 0.15), or "
                 "modules_to_save=[\"embed_tokens\", \"lm_head\"]",
            related=related(setup.resizes[0], "embeddings resized") +
            related(setup.added_tokens[0], "tokens added"))

    def _trains_embeddings(self, setup: TrainingSetup) -> bool | None:
        kwargs = setup.adapter.kwargs
        if kwargs.get("trainable_token_indices") is not None:
            return True
        for key in ("modules_to_save", "target_modules"):
            fact = kwargs.get(key)
            if fact is None:
                continue
            if not fact.known:
                return None
            values = fact.value if isinstance(fact.value, list) else [fact.value]
            if any(isinstance(v, str) and any(name in v for name in EMBEDDINGS) for v in values):
                return True
        return False
