from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import transformers as tf

REFUSED = "Passing `optimizers` is not allowed"


class OptimizersWithFsdp(Rule):
    """
    ## What it does
    Finds a trainer given its own optimizer or scheduler (`optimizers=(optimizer, scheduler)`,
    as LoRA+ with `create_loraplus_optimizer` or GaLore recipes do) in a run under FSDP, or under
    DeepSpeed on transformers before 4.46.

    ## Why is this bad?
    FSDP wraps the model after the trainer is built, so an optimizer made over the unwrapped
    parameters would update tensors FSDP no longer trains; transformers refuses it in
    `Trainer.__init__`, after the model is loaded on every rank: `RuntimeError: Passing
    `optimizers` is not allowed if PyTorch FSDP is enabled. You should subclass `Trainer` and
    override the `create_optimizer_and_scheduler` method.` (up to 4.45 the same under DeepSpeed:
    "...if Deepspeed or PyTorch FSDP is enabled.").

    ## Example
    ```python
    optimizer = create_loraplus_optimizer(model, optimizer_cls=torch.optim.AdamW, lr=2e-4,
                                          loraplus_lr_ratio=16)
    Trainer(model=model, args=args, train_dataset=ds, optimizers=(optimizer, None))  # accelerate launch, FSDP
    ```

    ## Use instead
    ```python
    class LoraPlusTrainer(Trainer):
        def create_optimizer(self):
            self.optimizer = create_loraplus_optimizer(self.model, optimizer_cls=torch.optim.AdamW,
                                                       lr=self.args.learning_rate, loraplus_lr_ratio=16)
            return self.optimizer
    ```
    Or `optimizer_cls_and_kwargs=(cls, kwargs)`, which the Trainer builds after wrapping.

    ## When it does not apply
    `optimizers=(None, None)` or not given; DDP or a single process; DeepSpeed on transformers
    4.46 and later (accepted there); a backend or release not known.

    ## What makes it certain
    The run's backend is read from its launcher (an accelerate config with `distributed_type:
    FSDP`, `TrainingArguments(fsdp=...)`, a DeepSpeed config); the refusal, its backends and its
    exact message are read from `trainer.py` of every transformers release 4.30-5.24
    (`scripts/gen_knowledge.py --behaviours`).

    ## Fix safety
    Moving the optimizer into `create_optimizer` changes nothing else; no automatic fix yet.

    ## References
    - transformers `trainer.py` `Trainer.__init__` (5.24: `if (self.is_fsdp_xla_enabled or
      self.is_fsdp_enabled) and (self.optimizer is not None or self.lr_scheduler is not None)`)
    - https://github.com/hiyouga/LlamaFactory/issues/2895, https://github.com/hiyouga/LlamaFactory/issues/2777
    """

    code = "PFT809"
    name = "optimizers-with-fsdp"
    summary = "Trainer(optimizers=...) under FSDP (or DeepSpeed before transformers 4.46)"
    severity = Severity.ERROR
    reproduction_exempt = ("the refusal needs the Trainer's accelerator to hold an FSDP plugin, which "
                           "accelerate creates only for a distributed GPU launch; the condition and message "
                           "are generated from every trainer.py")
    claims = (Claim("error", REFUSED, marker=REFUSED),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        trainer = setup.trainer
        strategy = setup.distributed.strategy
        if trainer.span is None or not trainer.optimizers_given.is_(True) or not strategy.known or \
                "transformers" not in setup.versions:
            return
        refusal = tf.optimizers_refusal(setup.version("transformers"))
        if refusal is None or strategy.value not in refusal.backends:
            return
        backend, article = ("FSDP", "an") if strategy.value == "fsdp" else ("DeepSpeed", "a")
        yield self.diagnostic(
            trainer.optimizers_given.span or trainer.span,
            f"The trainer is given its own optimizer or scheduler in {article} {backend} run: building it on "
            f"{setup.version_label('transformers')} raises \"RuntimeError: {refusal.message}\", after the "
            f"model is loaded on every process.",
            help="build the optimizer in a Trainer subclass's create_optimizer (or pass "
                 "optimizer_cls_and_kwargs), so the Trainer makes it after wrapping the model",
            related=related(strategy.span, f"{backend} run"))
