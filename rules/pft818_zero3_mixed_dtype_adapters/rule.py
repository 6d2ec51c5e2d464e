from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import Fact, TrainingSetup
from peft_lint.knowledge import deepspeed, peft, trl

FIXED_IN = "0.19.3"


class Zero3MixedDtypeAdapters(Rule):
    """
    ## What it does
    Checks a bf16 run of a LoRA model on a bf16 (not quantized) base under DeepSpeed ZeRO-3
    against the resolved DeepSpeed release, when the adapters are created in float32.

    ## Why is this bad?
    `get_peft_model` upcasts adapter weights to float32 by default (`autocast_adapter_dtype=True`,
    peft 0.12+), so the model holds bf16 base parameters beside fp32 LoRA parameters. ZeRO-3 keeps
    small parameters (norms, the smaller LoRA matrices) "persistent" and all-gathers them together
    after each optimizer step. DeepSpeed 0.19.2 stopped casting the whole module to bf16 (#8066)
    while that gather still allocated every output buffer with the first parameter's dtype, so the
    first optimizer step ends with `TypeError: output tensor must have the same type as input
    tensor` in `_allgather_params_coalesced`. DeepSpeed 0.19.3 sizes each buffer with its own
    parameter's dtype (#8073). TRL's trainers from 1.7 pass `autocast_adapter_dtype=False` when
    they wrap a non-quantized model for ZeRO-3; the plain `Trainer`, and a model wrapped by the
    script, get no such help.

    ## Example
    ```python
    # deepspeed==0.19.2, ds_zero3.json: "stage": 3, "bf16": {"enabled": "auto"}
    model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", dtype=torch.bfloat16)
    model = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear"))
    Trainer(model=model, args=TrainingArguments("out", bf16=True, deepspeed="ds_zero3.json"), ...)
    ```

    ## Use instead
    ```python
    model = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear"),
                           autocast_adapter_dtype=False)  # adapters in bf16, like the base
    ```
    or require `deepspeed!=0.19.2`.

    ## When it does not apply
    DeepSpeed releases other than those whose source has the regression (0.19.2); ZeRO stages
    0-2; a quantized base (QLoRA); a base not loaded in bf16; `autocast_adapter_dtype=False`;
    a TRL trainer that wraps the model with it (1.7+); any of these facts unknown.

    ## What makes it certain
    The affected DeepSpeed releases are read from every source archive (`scripts/gen_knowledge.py
    --behaviours`: the engine no longer casts the module to bf16 and `_allgather_params_coalesced`
    allocates with `param_list[0]`'s dtype); which peft releases upcast adapters by default, from
    each peft wheel's `get_peft_model`; which TRL trainers keep the adapter dtype under ZeRO-3,
    from each TRL wheel.

    ## Fix safety
    bf16 adapters under bf16 mixed precision are what the TRL trainers train with; no automatic
    fix.

    ## References
    - https://github.com/deepspeedai/DeepSpeed/issues/8072 (the regression in 0.19.2, ZeRO-3 + LoRA on a
      bf16 base)
    - https://github.com/deepspeedai/DeepSpeed/pull/8073 (the fix: a per-parameter buffer dtype)
    - https://github.com/huggingface/trl/pull/6091 (TRL 1.7: autocast_adapter_dtype=False for ZeRO-3)
    """

    code = "PFT818"
    name = "zero3-mixed-dtype-adapters"
    summary = "fp32 LoRA adapters on a bf16 base under ZeRO-3 on DeepSpeed 0.19.2"
    severity = Severity.ERROR
    reproduction_exempt = ("needs ZeRO-3 partitioning over several accelerator processes and its "
                           "post-step all-gather; not attempted on this CPU-only task (no GPU machine was "
                           "lent). The affected releases are generated from DeepSpeed's source archives; "
                           "the crash is reported upstream with a reproduction (deepspeedai/DeepSpeed#8072).")
    claims = (Claim("error", "output tensor must have the same type as input tensor",
                    marker="output tensor must have the same type"),)

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        zero = setup.deepspeed
        if zero is None or not zero.zero_stage.is_(3) or setup.trainer.span is None or \
                "deepspeed" not in setup.versions or "peft" not in setup.versions:
            return
        if deepspeed.zero3_mixed_dtype_gather_fails(setup.version("deepspeed")) is not True:
            return
        if not setup.trainer.model_is_peft.is_(True) or not setup.model.quantized.is_(False) or \
                not setup.model.weights_dtype.is_("bfloat16") or not self._bf16(setup):
            return
        upcast = self._adapters_upcast(setup)
        if upcast is None:
            return
        yield self.diagnostic(
            setup.trainer.span,
            f"This LoRA model holds bf16 base weights and float32 adapters ({upcast}); under ZeRO-3 on "
            f"{setup.version_label('deepspeed')} the all-gather of persistent parameters after the first "
            f"optimizer step allocates every buffer in the first parameter's dtype and fails: "
            f"\"{deepspeed.MIXED_DTYPE_GATHER_ERROR}\" in _allgather_params_coalesced. DeepSpeed "
            f"{FIXED_IN} fixed it.",
            help=self._help(setup),
            related=[*related(zero.zero_stage.span, "ZeRO stage 3"),
                     *related(setup.model.weights_dtype.span, "bf16 base weights")])

    @staticmethod
    def _bf16(setup: TrainingSetup) -> bool:
        bf16 = setup.training_arguments.get("bf16")
        config = setup.deepspeed.config.bf16_enabled if setup.deepspeed else None
        return (bf16 is not None and bf16.is_(True)) or \
            (config is not None and config.is_set and config.value is True)

    @staticmethod
    def _adapters_upcast(setup: TrainingSetup) -> str | None:
        """How the adapters come to be float32; None when they do not, or it is not known."""
        default = peft.get_peft_model_autocasts_adapters(setup.version("peft"))
        kind = setup.trainer.kind
        if setup.trainer.wraps_adapter:
            if not kind.known or not str(kind.value).startswith("trl.") or "trl" not in setup.versions:
                return None
            keeps = trl.keeps_adapter_dtype_for_zero3(setup.version("trl"), str(kind.value))
            if keeps is not False or default is not True:
                return None
            return (f"{setup.version_label('trl')} wraps it with get_peft_model's default "
                    f"autocast_adapter_dtype=True")
        options = setup.wrap_options
        if options is None:
            return None
        written: Fact[object] | None = options.get("autocast_adapter_dtype")
        if written is None:
            return "get_peft_model's default autocast_adapter_dtype=True" if default is True else None
        return "autocast_adapter_dtype=True" if written.is_(True) else None

    @staticmethod
    def _help(setup: TrainingSetup) -> str:
        if setup.trainer.wraps_adapter:
            return f"require trl>=1.7 (it keeps the adapters in bf16 under ZeRO-3), or deepspeed>={FIXED_IN}"
        return f"pass autocast_adapter_dtype=False to get_peft_model, or require deepspeed>={FIXED_IN}"
