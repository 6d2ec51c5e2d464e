from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import deepspeed
from peft_lint.knowledge import transformers as tf

if TYPE_CHECKING:  # the typed config (pydantic) loads only for runs with a DeepSpeed config
    from peft_lint.facts.deepspeed_config import DeepSpeedConfig

# trainers whose run is the user's own script (the frameworks mark leaf modules themselves:
# axolotl's model loader, LLaMA-Factory's model_utils/moe.py)
SCRIPT_TRAINERS = ("transformers.", "trl.")


class MoeZero3WithoutLeafModules(Rule):
    """
    ## What it does
    Checks a ZeRO-3 run of a mixture-of-experts model whose experts, in the resolved transformers
    release, are separate modules that run only for the tokens routed to them (Mixtral, Qwen2-MoE,
    Qwen3-MoE, DeepSeek-V2/V3, OLMoE, ... on transformers 4), when nothing marks the MoE block as
    a ZeRO-3 leaf module.

    ## Why is this bad?
    ZeRO-3 gathers a module's partitioned weights in a hook just before the module runs, and
    every rank must take part in each gather. A sparse MoE block runs only the experts its tokens
    are routed to, so two ranks with different batches run different experts and enter different
    gathers: the job stops making progress, silently, until the NCCL watchdog kills it (30
    minutes by default). A leaf module is gathered whole, whichever experts run, so every rank
    enters the same collectives. transformers 5 stores each layer's experts as packed parameters
    of one module, which ZeRO-3 gathers whole anyway.

    ## Example
    ```python
    # deepspeed --num_gpus 8 train.py   (transformers 4.57, ds_zero3.json: "stage": 3)
    model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen3-30B-A3B")
    trainer = SFTTrainer(model=model, args=SFTConfig(output_dir="out", deepspeed="ds_zero3.json"),
                         train_dataset=dataset, peft_config=LoraConfig(target_modules="all-linear"))
    ```

    ## Use instead
    ```python
    from deepspeed.utils import set_z3_leaf_modules
    from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeSparseMoeBlock

    set_z3_leaf_modules(model, [Qwen3MoeSparseMoeBlock])
    ```
    DeepSpeed 0.18 and later also take `"zero_optimization": {"leaf_module": {"classes":
    ["Qwen3MoeSparseMoeBlock"]}}` in the JSON, and mark the Mixtral, Qwen2-MoE and Qwen3-MoE
    blocks by default.

    ## When it does not apply
    ZeRO stages 0-2; dense models; transformers 5 (packed experts); a DeepSpeed release that marks
    the block by default; a DeepSpeed config with `leaf_module` or
    `stage3_module_granularity_threshold` set; a script (or project module it imports) that names
    `set_z3_leaf_modules`; runs of axolotl, LLaMA-Factory and ms-swift, which mark the blocks
    themselves; the model's architecture, the ZeRO stage or the releases unknown.

    ## What makes it certain
    Which architectures route per expert module is generated from every transformers release's
    modeling code (`scripts/gen_knowledge.py --behaviours`: a class holding `self.experts =
    nn.ModuleList(...)` whose forward skips experts no token is routed to); which blocks DeepSpeed
    marks by default, and whether it reads `leaf_module`, from every DeepSpeed source archive.
    Whether a given batch routes differently on two ranks depends on the data, so this is a
    warning: with many experts (Qwen3-MoE's 128, 8 active) it happens within the first steps.

    ## Fix safety
    Marking the block as a leaf keeps all its experts gathered for its forward: more memory per
    layer, no change to the result. No automatic fix.

    ## References
    - https://github.com/deepspeedai/DeepSpeed/issues/7461 (Qwen3-30B-A3B under ZeRO-3 hangs; leaf
      modules fix it)
    - https://github.com/deepspeedai/DeepSpeed/pull/4966 (the set_z3_leaf_modules API: "ZeRO3 does not work
      with MoE models because the order of executing modules can change at every forward/backward pass")
    - https://github.com/deepspeedai/DeepSpeed/pull/7604 (the `leaf_module` config and its default classes)
    - https://github.com/hiyouga/LlamaFactory/issues/9628 (the backward hang on transformers < 5; none on 5.0)
    - https://github.com/huggingface/open-r1/pull/701 (a TRL recipe adding the call for Qwen3-MoE)
    """

    code = "PFT817"
    name = "moe-zero3-without-leaf-modules"
    summary = "MoE model with per-expert modules under ZeRO-3 without leaf modules (hang)"
    severity = Severity.WARNING

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        zero = setup.deepspeed
        model_type = setup.model.model_type
        kind = setup.trainer.kind
        if zero is None or not zero.zero_stage.is_(3) or setup.trainer.span is None or \
                not kind.known or not str(kind.value).startswith(SCRIPT_TRAINERS) or \
                not model_type.known or not setup.zero3_leaf_modules_named.is_(False):
            return
        if "transformers" not in setup.versions or "deepspeed" not in setup.versions:
            return
        blocks = tf.routed_expert_blocks(setup.version("transformers"), str(model_type.value))
        leaves = deepspeed.zero3_leaf_modules(setup.version("deepspeed"))
        if not blocks or leaves is None or _configured(zero.config, leaves):
            return
        unmarked = [block for block in blocks if block not in (leaves.get("default_classes") or ())]
        if not unmarked:
            return
        module, _, block = unmarked[0].rpartition(".")
        yield self.diagnostic(
            setup.trainer.span,
            f"{model_type.value} on {setup.version_label('transformers')} runs each expert of {block} "
            f"only for the tokens routed to it, and ZeRO-3 gathers an expert's weights when it runs: "
            f"ranks whose batches reach different experts wait on different all-gathers and training "
            f"hangs until the NCCL timeout. {setup.version_label('deepspeed')} does not mark {block} "
            f"as a leaf module, and the run does not call set_z3_leaf_modules.",
            help=f"before the trainer: `from {module} import {block}` and "
                 f"`deepspeed.utils.set_z3_leaf_modules(model, [{block}])`{_config_hint(leaves, block)}",
            related=[*related(zero.zero_stage.span, "ZeRO stage 3"),
                     *related(model_type.span, f"model_type {model_type.value}")])


def _configured(config: DeepSpeedConfig, leaves: dict[str, object]) -> bool:
    """Whether the DeepSpeed config marks leaf modules (or may: a value computed at run time)."""
    written = [config.leaf_module_classes, config.leaf_module_names, config.leaf_module_name_suffixes] \
        if leaves.get("config") else []
    threshold = config.module_granularity_threshold
    if leaves.get("granularity_threshold") and threshold.state != "absent" and threshold.value != 0:
        return True
    return any(setting.state != "absent" for setting in written)


def _config_hint(leaves: dict[str, object], block: str) -> str:
    if not leaves.get("config"):
        return ""
    section = f'"zero_optimization": {{"leaf_module": {{"classes": ["{block}"]}}}}'
    return f", or in the DeepSpeed JSON `{section}`"
