from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.explain import multi_process_ddp, processes_phrase
from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge import modules
from peft_lint.knowledge import transformers as tf
from peft_lint.knowledge.versions import version_at_least

ERROR = "Expected to have finished reduction in the prior iteration before starting a new one"
# Expert linear layers (transformers 4.x; 5.x fuses experts into parameters).
EXPERT_MODULES = {"mixtral": ("w1", "w2", "w3"), "qwen2_moe": ("gate_proj", "up_proj", "down_proj"),
                  "qwen3_moe": ("gate_proj", "up_proj", "down_proj")}


class FindUnusedFalseConditionalParams(Rule):
    """
    ## What it does
    Finds `ddp_find_unused_parameters=False` in a multi-process DDP run whose adapter sits on
    parameters that are not used in every step: LoRA on mixture-of-experts experts (an expert
    that receives no token in a step gets no gradient), or `target_parameters` on MoE weights.

    ## Why is this bad?
    With `find_unused_parameters=False` DDP waits for a gradient from every trainable
    parameter; a step where an expert was not routed any token never finishes the reduction
    and the next step raises `RuntimeError: Expected to have finished reduction in the prior
    iteration before starting a new one. This error indicates that your module has parameters
    that were not used in producing loss.` `ddp_find_unused_parameters=False` is the common
    cure for reentrant checkpointing crashes (and LLaMA-Factory sets it for LoRA), which is
    why MoE LoRA runs hit this.

    ## Example
    ```python
    LoraConfig(target_modules="all-linear")     # on Mixtral, transformers 4.x
    TrainingArguments(ddp_find_unused_parameters=False, gradient_checkpointing=True, ...)
    ```

    ## Use instead
    ```python
    TrainingArguments(ddp_find_unused_parameters=True, gradient_checkpointing=True,
                      gradient_checkpointing_kwargs={"use_reentrant": False})
    ```

    ## When it does not apply
    Dense models; adapters on attention only; `find_unused_parameters=True`; a single process.

    ## What makes it certain
    Fires only when the run is known to be DDP with more than one process;
    `find_unused_parameters` is known False and not a library default (written, or
    LLaMA-Factory's own setting for LoRA); the model type is known (its class, a known hub id,
    or a local `config.json`); and the adapter is known to sit on experts: a non-empty
    `target_parameters` naming expert weights (`...experts...`), or, on transformers 4.x with a
    module table, `target_modules="all-linear"` on Mixtral, Qwen2-MoE or Qwen3-MoE, or Mixtral's
    `w1`/`w2`/`w3` by name (on transformers 5 only with peft >= 0.19, which converts those
    names). Anything Unknown keeps it silent. Versions are the resolved ones: given, pinned or
    installed, else the newest release peft-lint knows (the output's `versions:` line says
    which).

    Not reproduced (routing cannot be controlled on tiny data); the error is torch's DDP reducer
    check for unused parameters.

    ## Fix safety
    No automatic fix.

    ## References
    - https://github.com/hiyouga/LlamaFactory/issues/3102, https://github.com/axolotl-ai-cloud/axolotl/issues/3584
    - torch `nn/parallel/distributed.py` / `reducer.cpp` (unused-parameter check)
    - https://github.com/hiyouga/LlamaFactory/issues/6376
    - https://github.com/hiyouga/LlamaFactory/issues/5680
    - https://github.com/hiyouga/LlamaFactory/issues/49443
    - https://github.com/axolotl-ai-cloud/axolotl/issues/3649
    """

    code = "PFT205"
    name = "find-unused-false-conditional-params"
    summary = "find_unused_parameters=False with adapters on MoE experts"
    severity = Severity.ERROR
    reproduction_exempt = ("needs a step in which an expert gets no token; on tiny random data routing "
                           "is not controllable, so the DDP reducer check is cited instead")

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if not multi_process_ddp(setup):
            return
        find_unused = setup.distributed.find_unused_parameters
        if not find_unused.is_(False) or find_unused.origin.kind == "default":
            return
        model_type = setup.model.model_type
        if not model_type.known or setup.adapter.config_span is None:
            return
        experts = self._adapted_experts(setup, str(model_type.value))
        if not experts:
            return
        help_text = ("set ddp_find_unused_parameters: true with non-reentrant checkpointing "
                     "(gradient_checkpointing_kwargs={\"use_reentrant\": False}), or keep the adapter off "
                     "the experts")
        if setup.trainer.kind.is_("LLaMA-Factory"):
            help_text = ("set ddp_find_unused_parameters: true and use_reentrant_gc: false in "
                         f"{setup.adapter.config_span.path}, or keep lora_target off the experts")
        yield self.diagnostic(
            setup.adapter.config_span,
            f"The adapter trains MoE experts ({experts}) of {model_type.value}, which are not used in "
            f"every step, but find_unused_parameters=False in a DDP run ({processes_phrase(setup)}): "
            f"the step after an expert gets no token raises \"RuntimeError: {ERROR}\".",
            help=help_text,
            related=related(find_unused.span, find_unused.origin.detail or "find_unused_parameters=False"))

    def _adapted_experts(self, setup: TrainingSetup, model_type: str) -> str:
        kwargs = setup.adapter.kwargs
        parameters = kwargs.get("target_parameters")
        if parameters is not None and parameters.known and parameters.value:
            names = parameters.value if isinstance(parameters.value, list) else [parameters.value]
            # parameters of the experts (`mlp.experts.gate_up_proj`): routed, not used every step
            if any("expert" in str(name) for name in names):
                return f"target_parameters={parameters.value}"
            return ""
        if model_type not in EXPERT_MODULES:
            return ""
        targets = kwargs.get("target_modules")
        if targets is None or not targets.known:
            return ""
        if tf.non_reentrant_by_default(setup.version("transformers")):
            # transformers 5 fuses the experts into parameters; PEFT >= 0.19 turns the old expert
            # names into target_parameters, "all-linear" no longer reaches them
            if not version_at_least(setup.version("peft"), modules.MOE_NAME_CONVERSION_SINCE):
                return ""
        elif modules.module_names(model_type, setup.version("transformers")) is None:
            return ""
        elif targets.value == "all-linear":
            return "target_modules=\"all-linear\""
        names = targets.value if isinstance(targets.value, list) else []
        hit = [name for name in names if name in EXPERT_MODULES[model_type]]
        if hit and model_type == "mixtral":
            return f"target_modules {hit}"
        return ""
