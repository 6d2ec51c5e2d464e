from __future__ import annotations

from collections.abc import Iterator

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Rule, related
from peft_lint.facts.explain import multi_process, processes_phrase
from peft_lint.facts.model import TrainingSetup

SPREADING = frozenset({"auto", "balanced", "balanced_low_0", "sequential"})


class DeviceMapUnderDdp(Rule):
    """
    ## What it does
    Finds `from_pretrained(..., device_map="auto")` (or `"balanced"`, `"balanced_low_0"`,
    `"sequential"`) in a script launched with more than one process.

    ## Why is this bad?
    `device_map="auto"` is model parallelism for one process: every rank loads a full model
    spread over all visible GPUs. accelerate then refuses to train it:
    `ValueError: You can't train a model that has been loaded with device_map='auto' in any
    distributed mode. Please rerun your script specifying --num_processes=1 or by launching
    with python {{myscript.py}}.` (for 4/8-bit models: "You can't train a model that has been
    loaded in 8-bit or 4-bit precision on multiple devices in any distributed mode"). When the
    model fits on one GPU, every rank puts its copy on GPU 0 instead, which runs out of memory
    or, for bitsandbytes models, fails with "...on a different device than the one you're
    training on".

    ## Example
    ```python
    model = AutoModelForCausalLM.from_pretrained(name, device_map="auto")
    # torchrun --nproc_per_node 4 train.py
    ```

    ## Use instead
    ```python
    from accelerate import PartialState
    model = AutoModelForCausalLM.from_pretrained(name, device_map={"": PartialState().process_index})
    ```
    or no `device_map` at all (the Trainer moves the model); for model parallelism run a
    single process (`python train.py`).

    ## When it does not apply
    A single process; `device_map={"": local_rank}`; `device_map="cuda"` (transformers >= 5 maps
    it to the local rank).

    ## What makes it certain
    Fires only when the run is known to have more than one process (a launcher among the files:
    `torchrun --nproc_per_node`, `accelerate launch --num_processes` or its config, a SLURM or
    shell launcher; or `--world-size`; "at least 2" counts), the script trains, and a
    `from_pretrained` call passes `device_map` as one of the literals `"auto"`, `"balanced"`,
    `"balanced_low_0"`, `"sequential"`. A device map or process count computed at run time keeps
    it silent.

    Not reproduced (it needs several GPUs); the refusal is accelerate 1.15.0
    `Accelerator.prepare_model`.

    ## Fix safety
    No automatic fix yet.

    ## References
    - accelerate `accelerator.py` `Accelerator.prepare_model` (1.15.0 L1815-1876):
      https://github.com/huggingface/accelerate/blob/main/src/accelerate/accelerator.py
    - https://github.com/huggingface/accelerate/issues/1515, https://github.com/artidoro/qlora/issues/118
    - https://github.com/huggingface/accelerate/issues/2713
    - https://github.com/artidoro/qlora/issues/186
    - https://github.com/huggingface/peft/issues/414
    """

    code = "PFT201"
    name = "device-map-under-ddp"
    summary = "device_map=\"auto\" in a multi-process run"
    severity = Severity.ERROR
    reproduction_exempt = ("needs several GPUs: with one device (or the CPU) device_map='auto' puts "
                           "the whole model on it and accelerate's check never triggers")

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        world = setup.distributed.world_size
        if not multi_process(setup):
            return
        if not setup.trains_here.is_(True):
            return
        for call in setup.load_calls:
            device_map = call.get("device_map")
            if device_map is None or not device_map.known or device_map.value not in SPREADING:
                continue
            message = (f"device_map=\"{device_map.value}\" spreads one full model over every visible "
                       f"GPU, but this run has {processes_phrase(setup)}: accelerate refuses it "
                       "(\"ValueError: You can't train a model that has been loaded with "
                       "device_map='auto' in any distributed mode\"), or every rank loads its copy "
                       "onto GPU 0.")
            yield self.diagnostic(device_map.span or call.span, message,
                                  help="use device_map={\"\": PartialState().process_index} (or no "
                                       "device_map), or launch a single process for model parallelism",
                                  related=related(world.span, f"{world.value} processes"))
