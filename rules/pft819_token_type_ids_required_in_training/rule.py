from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import transformers as tf

TRAINERS = frozenset({"transformers.Trainer", "trl.SFTTrainer"})


class TokenTypeIdsRequiredInTraining(Rule):
    """
    ## What it does
    Checks a text-only run of a model whose forward, in the resolved transformers release, refuses
    to train without `token_type_ids`: Gemma 3's multimodal checkpoints (`gemma-3-4b`, `-12b`,
    `-27b`, TranslateGemma, MedGemma) on transformers 5.0-5.5, and PaliGemma.

    ## Why is this bad?
    `AutoModelForCausalLM` loads these checkpoints as `Gemma3ForConditionalGeneration`. On
    transformers 5.0 to 5.5 its mask builder marks image tokens with `token_type_ids` and, in
    training mode, refuses a batch without them: "ValueError: `token_type_ids` is required as a
    model input when training", at the first step. A text tokenizer does not produce
    `token_type_ids` (only the Gemma 3 processor does), and neither `DataCollatorForLanguageModeling`
    nor TRL's SFT collator adds them, so every text-only SFT of these checkpoints stops there.
    transformers 5.6 dropped the requirement (huggingface/transformers#45454); 4.x never had it.

    ## Example
    ```python
    # transformers==5.1.0 (Google's QLoRA guide for Gemma 3)
    model = AutoModelForCausalLM.from_pretrained("google/gemma-3-4b-pt", quantization_config=bnb)
    tokenizer = AutoTokenizer.from_pretrained("google/gemma-3-4b-it")
    trainer = SFTTrainer(model=model, args=SFTConfig("out"), train_dataset=dataset,
                         processing_class=tokenizer, peft_config=LoraConfig(...))
    ```

    ## Use instead
    Require `transformers>=5.6` (or stay on 4.x), or train the text-only checkpoint
    (`google/gemma-3-1b-it`, `Gemma3ForCausalLM`). On 5.0-5.5, a collator that adds
    `batch["token_type_ids"] = torch.zeros_like(batch["input_ids"])` also works (all zeros: no image
    tokens).

    ## When it does not apply
    transformers releases whose modeling code does not raise it (4.x, 5.6+); the text-only
    `gemma3_text` model (`gemma-3-1b`, `gemma-3-270m`, `Gemma3ForCausalLM`); batches built by a
    processor or by code peft-lint does not follow; unsloth, which adds the zeros itself; the
    architecture or release unknown.

    ## What makes it certain
    Which model types raise it is generated from every transformers release's modeling code
    (`scripts/gen_knowledge.py --behaviours`: the `raise ValueError(...)` whose message says
    `token_type_ids` is required when training, read with ast). The batch holds text inputs only
    when the trainer collates with transformers' `DataCollatorForLanguageModeling` built on a text
    tokenizer, or when TRL's `SFTTrainer` is given a text tokenizer and no collator (TRL's text
    collator emits `input_ids`, `attention_mask` and `labels`; every TRL release up to 1.16).
    Reproduced on CPU with a tiny Gemma 3 model: the ValueError on transformers 5.5.4, training on
    5.24.0.

    ## Fix safety
    No automatic fix: the release to require is the project's choice.

    ## References
    - https://github.com/huggingface/trl/issues/5807 (qgallouedec: transformers#45454, released in 5.6.0,
      removed the requirement; the SFT batch holds only attention_mask, input_ids, labels)
    - https://github.com/huggingface/trl/issues/5032 (Google's Gemma 3 QLoRA guide on transformers 5.1)
    - https://github.com/NVIDIA-NeMo/Automodel/issues/1203 (gemma-3-27b-it, PEFT, first step)
    - https://github.com/unslothai/unsloth/pull/4017 (unsloth adds zero token_type_ids on 5.x)
    """

    code = "PFT819"
    name = "token-type-ids-required-in-training"
    summary = "Gemma 3 multimodal (or PaliGemma) trained on text batches without token_type_ids"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT819]"
    claims = (Claim("error", "is required as a model input when training",
                    marker="is required as a model input when training"),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        model_type = setup.model.model_type
        batches = trainer.text_batches
        if trainer.span is None or not trainer.kind.known or trainer.kind.value not in TRAINERS or \
                not batches.is_(True) or not model_type.known or "unsloth" in setup.dialects or \
                "transformers" not in setup.versions or not self._multimodal_class(setup):
            return
        message = tf.training_requires_token_type_ids(setup.version("transformers"), str(model_type.value))
        if message is None:
            return
        yield self.diagnostic(
            trainer.span,
            f"{model_type.value} on {setup.version_label('transformers')} refuses a training batch "
            f"without token_type_ids, and this run's batches carry a text tokenizer's inputs only "
            f"({batches.origin.detail}): the first step raises \"{message}\".",
            help="require transformers>=5.6 (the requirement is gone), or add "
                 "`token_type_ids = torch.zeros_like(input_ids)` to each batch",
            related=[*related(model_type.span, f"model_type {model_type.value}"),
                     *related(batches.span, "text-only batches")])

    @staticmethod
    def _multimodal_class(setup: TrainingSetup) -> bool:
        """Whether the class loads the multimodal model (an Auto class, or ...ForConditionalGeneration),
        not the text-only ...ForCausalLM of the same checkpoint."""
        name = setup.model.class_name
        if not name.known:
            return False
        value = str(name.value).rsplit(".", 1)[-1]
        return value.startswith("Auto") or value.endswith("ForConditionalGeneration")
