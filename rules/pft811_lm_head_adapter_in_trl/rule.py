from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import trl

REFUSED = "Applying a PEFT adapter to `lm_head` is not supported"


class LmHeadAdapterInTrl(Rule):
    """
    ## What it does
    Finds a LoRA adapter whose `target_modules` list names `lm_head`, trained by a TRL trainer
    that refuses it for the resolved release.

    ## Why is this bad?
    TRL's trainers compute the log-probabilities by multiplying the hidden states with
    `lm_head.weight` directly (a fused, chunked loss), so a LoRA adapter on the head would never
    be used or trained. The trainer refuses it when it is built, after the model is loaded:
    `ValueError: Applying a PEFT adapter to `lm_head` is not supported: the log-probabilities are
    computed from `lm_head.weight` directly, so the adapter would never be trained. Remove
    `'lm_head'` from your `target_modules`.` (GRPO from TRL 1.7, DPO and KTO 1.8, SFT and RLOO
    1.15).

    ## Example
    ```python
    LoraConfig(r=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "lm_head"])
    ```

    ## Use instead
    ```python
    LoraConfig(r=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
    ```
    To train the head fully, put it in `modules_to_save` instead.

    ## When it does not apply
    A TRL release whose trainer does not check it (older releases train silently without the
    head's adapter in some configurations: not judged here); `target_modules` as a regex string
    or "all-linear" (which leaves the head out); the plain transformers Trainer.

    ## What makes it certain
    The list is written (script or YAML), the trainer is the TRL class whose release refuses it,
    and the refusal with its message is read from `trl/trainer/*_trainer.py` of every TRL release
    (`scripts/gen_knowledge.py --behaviours`).

    ## Fix safety
    Removing `lm_head` drops an adapter that never trained; no automatic fix yet.

    ## References
    - trl `trainer/sft_trainer.py` (1.16: `if is_peft_model(model) and
      isinstance(model.get_output_embeddings(), BaseTunerLayer): raise ValueError(...)`)
    - https://github.com/huggingface/trl/issues/4612, https://github.com/huggingface/trl/pull/6159
    """

    code = "PFT811"
    name = "lm-head-adapter-in-trl"
    summary = "LoRA target_modules naming lm_head with a TRL trainer that refuses it"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT811]"
    claims = (Claim("error", REFUSED, marker=REFUSED),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        targets = setup.adapter.kwargs.get("target_modules")
        if trainer.span is None or targets is None or not targets.known or not trainer.kind.known or \
                not isinstance(targets.value, list | tuple) or "trl" not in setup.versions:
            return
        if not any(isinstance(name, str) and (name == "lm_head" or name.endswith(".lm_head"))
                   for name in targets.value):
            return
        message = trl.lm_head_adapter_refusal(setup.version("trl"), str(trainer.kind.value))
        if message is None:
            return
        yield self.diagnostic(
            targets.span or trainer.span,
            f"target_modules names lm_head, and {str(trainer.kind.value).rsplit('.', 1)[-1]} computes the "
            f"log-probabilities from lm_head.weight directly: building it on {setup.version_label('trl')} "
            f"raises \"{message.split(': ', 1)[0]}: {REFUSED}...\", after the model is loaded.",
            help="remove 'lm_head' from target_modules (put it in modules_to_save to train the head fully)",
            related=related(trainer.span, "trainer"))
