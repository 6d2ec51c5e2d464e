from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import Span, TrainingSetup

ZERO3_MERGE_ERROR = ("RuntimeError: The size of tensor a (0) must match the size of tensor b (4096) at "
                     "non-singleton dimension 1")


class MergeWhileSharded(Rule):
    """
    ## What it does
    Finds `merge_and_unload()` / `merge_adapter()` on the trained model after `trainer.train()` in a
    run whose parameters are sharded: DeepSpeed ZeRO-3 or FSDP.

    ## Why is this bad?
    Training ends with the weights still sharded. Under ZeRO-3 each rank keeps its partition and
    the partitioned weight tensors are empty (shape `[0]`) outside a forward pass (small ones,
    below `stage3_param_persistence_threshold`, stay whole), so the merge adds LoRA deltas to empty
    tensors: every rank stops with `RuntimeError: The size of tensor a (0) must match the size of
    tensor b (4096) at non-singleton dimension 1` (the sizes are the model's) after the whole
    training run, or, on layers whose LoRA matrices are partitioned too, merges nothing. Under FSDP
    each rank holds a shard of the flattened weights: PEFT's FSDP guide says merging there "is
    currently unsupported and will raise error".

    ## Example
    ```python
    # accelerate launch --config_file zero3.yaml train.py
    trainer.train()
    model = model.merge_and_unload()
    model.save_pretrained("merged")
    ```

    ## Use instead
    ```python
    trainer.train()
    trainer.save_model("adapter")   # gathers the adapter under ZeRO-3 (transformers 5)
    # then, in a separate single-process script:
    # model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), "adapter")
    # model.merge_and_unload().save_pretrained("merged")
    ```
    Under ZeRO-3 the merge can also run inside `deepspeed.zero.GatheredParameters(list(model.
    parameters()), modifier_rank=0)`, at the memory cost of gathering the whole model.

    ## When it does not apply
    ZeRO stages 0-2, DDP and single-process runs; a merge before training, on a model the script
    loads again, or on one arm of a branch decided at run time (`if args.merge:`); a script (or a
    project module it imports) that names `GatheredParameters` or `summon_full_params`.

    ## What makes it certain
    The ZeRO stage is read from the DeepSpeed config the run uses, FSDP from its launcher or
    arguments; the merge is a call on the model the trainer trained, in program order after
    `train()`. The error was reproduced on CPU with peft 0.21.2 by emptying the weights ZeRO-3
    partitions (those above the persistence threshold) before `merge_and_unload()`.

    ## Fix safety
    Merging in a separate process after saving the adapter is the documented path; no automatic fix.

    ## References
    - https://github.com/huggingface/peft/issues/297 (merging under ZeRO-3)
    - https://github.com/hiyouga/LlamaFactory/issues/2081 (the size-0 RuntimeError from LoraLayer.merge
      under ZeRO-3)
    - https://github.com/huggingface/peft/blob/main/docs/source/accelerate/fsdp.md (caveat: merging
      under FSDP is unsupported and raises)
    - https://github.com/huggingface/peft/blob/main/docs/source/accelerate/deepspeed.md (the
      GatheredParameters workaround)
    """

    code = "PFT820"
    name = "merge-while-sharded"
    summary = "Adapter merged into sharded weights after training under ZeRO-3 or FSDP"
    severity = Severity.ERROR
    reproduction_exempt = ("needs parameters sharded by DeepSpeed ZeRO-3 or FSDP over several processes "
                           "after training; not attempted on this CPU-only task (no GPU machine was "
                           "lent). The failure is reported upstream (peft#297, LlamaFactory#2081), "
                           "stated by PEFT's FSDP guide, and reproduced on CPU by emptying the weights "
                           "ZeRO-3 partitions before the merge.")
    claims = (Claim("error", "must match the size of tensor", marker="must match the size of tensor"),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if not setup.merges_after_training or setup.gathers_parameters:
            return
        sharding = _sharding(setup)
        if sharding is None:
            return
        span, method = setup.merges_after_training[0]
        what, where = sharding
        effect = (f"the partitioned weights are empty (shape [0]) outside forward, so {method}() adds "
                  f"LoRA deltas to empty tensors and fails: \"{ZERO3_MERGE_ERROR}\" (sizes are the "
                  f"model's), or merges nothing where a layer's LoRA matrices are partitioned too") \
            if what == "ZeRO-3" else \
            (f"each rank holds a shard of the flattened weights, and PEFT does not support {method}() "
             f"there (its FSDP guide: it raises)")
        yield self.diagnostic(
            span,
            f"{method}() runs after training under {what}, while the parameters are still sharded: "
            f"{effect}. The error comes after the whole training run, before the merged model is saved.",
            help="save the adapter (trainer.save_model()) and merge in a separate single-process script"
                 + (", or merge inside deepspeed.zero.GatheredParameters(list(model.parameters()), "
                    "modifier_rank=0)" if what == "ZeRO-3" else ""),
            related=related(where, f"{what} run"))


def _sharding(setup: TrainingSetup) -> tuple[str, Span | None] | None:
    """("ZeRO-3" or "FSDP", where the run says so), None when the parameters are not known sharded."""
    zero = setup.deepspeed
    if zero is not None and zero.zero_stage.is_(3):
        return "ZeRO-3", zero.zero_stage.span
    strategy = setup.distributed.strategy
    if strategy.is_("fsdp"):
        return "FSDP", strategy.span
    return None
