from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import peft as peft_knowledge
from peft_lint.knowledge import transformers as tf

FROZEN_HEAD = "the new head stays frozen at its random initialisation"
LORA_FAMILY = frozenset({"lora", "adalora", "ia3", "loha", "lokr", "oft", "boft", "vera"})
HEAD_WORDS = ("classifier", "score", "head", "pooler", "qa_outputs")


class SeqClsHeadNotTrained(Rule):
    """
    ## What it does
    Finds a classification model (`...ForSequenceClassification`, `...ForTokenClassification`,
    `...ForImageClassification`, `...ForAudioClassification`) trained with a LoRA-family
    adapter whose config neither sets the matching `task_type` nor lists the head in
    `modules_to_save`.

    ## Why is this bad?
    Loading such a model creates a new, randomly initialised head ("Some weights of ... were
    not initialized from the model checkpoint ... newly initialized: ['score.weight']").
    Only `task_type="SEQ_CLS"` / `"TOKEN_CLS"` makes PEFT add the head (`classifier`, `score`)
    to `modules_to_save`; otherwise `get_peft_model` freezes it with the base. Training
    adapts the LoRA layers to a random, frozen head, the head is not saved with the adapter,
    and every reload makes a different random head: the model evaluates at chance.

    ## Example
    ```python
    model = AutoModelForSequenceClassification.from_pretrained("roberta-large", num_labels=2)
    model = get_peft_model(model, LoraConfig(r=8, target_modules=["query", "value"]))
    ```

    ## Use instead
    ```python
    model = get_peft_model(model, LoraConfig(task_type="SEQ_CLS", r=8,
                                             target_modules=["query", "value"]))
    ```
    or `modules_to_save=["classifier"]` (image models, heads with other names).

    ## When it does not apply
    `task_type="SEQ_CLS"`/`"TOKEN_CLS"`; the head in `modules_to_save`; prompt-learning
    methods; a `modules_to_save` computed at run time.

    ## What makes it certain
    Fires only when the trained model's class is known and ends in `ForSequenceClassification`,
    `ForTokenClassification`, `ForImageClassification`, `ForAudioClassification`,
    `ForQuestionAnswering` or `ForMultipleChoice`; the adapter is a known LoRA-family method;
    the script trains; `task_type` is absent or known and not `SEQ_CLS`, `TOKEN_CLS` or
    `QUESTION_ANS`; and `modules_to_save` is absent, `None`, or a known list naming no
    `classifier`, `score`, `head` or `pooler`. A `task_type` or `modules_to_save` computed at
    run time keeps it silent; an adapter config with `**` arguments computed at run time is
    skipped unless it writes `task_type`.

    Reproduced on transformers 4.57.6 and 5.24.0 (torch 2.13.0, peft 0.21.2, accelerate 1.15.0).

    ## Fix safety
    No automatic fix yet.

    ## References
    - peft `peft_model.py` `PeftModelForSequenceClassification.__init__` (adds
      `["classifier", "score"]` to `modules_to_save`)
    - PEFT docs `developer_guides/troubleshooting.md`, "Randomly initialized layers"
    """

    code = "PFT405"
    name = "seq-cls-head-not-trained"
    summary = "Classification head left frozen and unsaved"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT405]"
    claims = (Claim("head-untrained", marker=FROZEN_HEAD),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        adapter, model = setup.adapter, setup.model
        if not (adapter.method.known and adapter.method.value in LORA_FAMILY and adapter.config_span):
            return
        if not (model.class_name.known and str(model.class_name.value).endswith(tf.HEAD_CLASS_SUFFIXES)):
            return
        if not setup.trains_here.is_(True) or not self._head_left_out(setup):
            return
        message = (f"{model.class_name.value} gets a new, randomly initialised head, but the adapter "
                   "config neither sets task_type=\"SEQ_CLS\"/\"TOKEN_CLS\" nor lists the head in "
                   f"modules_to_save: {FROZEN_HEAD} during training and is not saved with the "
                   "adapter, so every reload makes a different random head.")
        yield self.diagnostic(adapter.config_span, message,
                              help="set task_type=\"SEQ_CLS\" (or \"TOKEN_CLS\"), or add the head to "
                                   "modules_to_save, e.g. modules_to_save=[\"classifier\"]",
                              related=related(model.span, "the model with a new head"))

    def _head_left_out(self, setup: TrainingSetup) -> bool:
        kwargs = setup.adapter.kwargs
        task = kwargs.get("task_type")
        if task is not None:
            if not task.known:
                return False
            name = str(task.value).rsplit(".", 1)[-1].upper()
            if name in peft_knowledge.HEAD_TASK_TYPES:
                return False
        saved = kwargs.get("modules_to_save")
        if saved is not None:
            if not saved.known:
                return False
            text = str(saved.value).lower()
            if saved.value is not None and (not isinstance(saved.value, list | tuple) or
                                            any(word in text for word in HEAD_WORDS)):
                return False
        return setup.adapter.kwargs_complete  # `**` arguments may add modules_to_save
