from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import TrainingSetup


class PadTokenIsEosInLmCollator(Rule):
    """
    ## What it does
    Finds a trainer given transformers' `DataCollatorForLanguageModeling(mlm=False)` whose
    tokenizer pads with its EOS token (`tokenizer.pad_token = tokenizer.eos_token`).

    Fires only when the examples are known to contain that EOS: the tokenizer is loaded with
    `add_eos_token=True`, or the script adds `tokenizer.eos_token` to the text (`+`, an f-string)
    or `tokenizer.eos_token_id` to the ids.

    ## Why is this bad?
    The collator builds the labels from `input_ids` and sets every label equal to
    `pad_token_id` to -100 (`labels[labels == self.tokenizer.pad_token_id] = -100`, every
    release 4.30-5.24). With the pad token being the EOS token, every real EOS at the end of
    an example is left out of the loss as well: the run trains without a word, and the
    adapter never learns to end its answers, so generation runs on to `max_new_tokens`.

    ## Example
    ```python
    tokenizer.pad_token = tokenizer.eos_token
    trainer = Trainer(model=model, args=args, train_dataset=ds,
                      data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))
    ```

    ## Use instead
    ```python
    tokenizer.pad_token = "<|finetune_right_pad_id|>"  # a token that is not the EOS (or add one)
    ```
    Or mask padding by position instead of by id: TRL's `SFTTrainer` (its collator sets the
    labels of padded positions, not of a token id, to -100), or `DataCollatorForSeq2Seq` on
    examples whose `labels` you build yourself.

    ## When it does not apply
    Examples not known to contain the EOS (language modeling on concatenated text, where the
    masking changes nothing); `mlm=True` (masked language modeling); TRL's own collators; a
    tokenizer whose pad token the script does not set to the EOS (its own pad token is not known
    statically); an assignment on
    one arm of a branch decided at run time (`if tokenizer.pad_token is None:`), which depends
    on the tokenizer.

    ## What makes it certain
    The pad assignment takes the EOS of the same tokenizer object the collator is given, and
    the collator is the one handed to the trainer, and the script puts the EOS in the examples.
    A warning, not an error: a run may not mean to teach stopping.

    ## Fix safety
    A new pad token may need `resize_token_embeddings`; no automatic fix.

    ## References
    - transformers `data/data_collator.py` `DataCollatorForLanguageModeling.torch_call`
    - https://github.com/huggingface/transformers/issues/23530 (open),
      https://github.com/huggingface/trl/issues/976, https://github.com/huggingface/open-r1/pull/494
    """

    code = "PFT806"
    name = "pad-token-is-eos-in-lm-collator"
    summary = "DataCollatorForLanguageModeling masks the EOS tokens when pad_token is the EOS"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        collator = setup.trainer.lm_collator
        if collator is None or collator.span is None or not collator.mlm.is_(False) or \
                not collator.pad_is_eos.is_(True) or not collator.eos_in_examples.is_(True):
            return
        yield self.diagnostic(
            collator.span,
            "This collator sets every label equal to the pad token id to -100, and the pad token is the "
            "EOS token the examples end with: every EOS is left out of the loss, so the model never learns "
            "to end its answers (generation runs on to max_new_tokens).",
            help="give the tokenizer a pad token that is not the EOS, or use a collator that masks padding "
                 "by position (TRL's SFTTrainer)",
            related=[*related(collator.pad_is_eos.span, "pad_token = eos_token"),
                     *related(collator.eos_in_examples.span, "the examples get the EOS token")])
