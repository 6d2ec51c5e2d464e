from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from peft_lint.engine.diagnostic import Diagnostic, Severity
from peft_lint.engine.rule import Claim, Rule, related
from peft_lint.facts.model import Fact, Span, TrainingSetup
from peft_lint.knowledge import trl

NOT_DIVISIBLE = "must be divisible by num_generations"
NOT_EVENLY = "must be evenly divisible by the number of generations per prompt"
EVAL_GENERATIONS = "must be divisible by the number of generations used for evaluation"
TOO_FEW = "GRPO requires at least 2 generations per prompt"
AUTO_FIND = "auto_find_batch_size is not supported by GRPO"
NOT_GLOBAL = "must be divisible by the global batch size"
BOTH = "can not be both configured at the same time"


@dataclass(frozen=True)
class Refusal:
    error: str  # the ValueError's text as the release writes it
    why: str  # what it means for this run
    fix: str
    facts: tuple[tuple[Span | None, str], ...] = ()


class GrpoBatchArithmetic(Rule):
    """
    ## What it does
    Computes GRPO's batch arithmetic for the resolved TRL release, as `GRPOConfig.__post_init__`
    (0.18+) or `GRPOTrainer.__init__` (0.15-0.17) does it, from the config the run builds (in
    the script, a YAML read by `TrlParser`, or the launcher's flags) and the number of
    processes its launcher starts.

    ## Why is this bad?
    GRPO scores each prompt against a group of `num_generations` completions, so a generation
    batch must hold whole groups. TRL refuses any other batch before training, after the job
    is queued and the model loaded:
    - the generation batch (`per_device_train_batch_size` x processes x `steps_per_generation`,
      which defaults to `gradient_accumulation_steps`) not divisible by `num_generations`
      (default 8): `ValueError: generation_batch_size (12) must be divisible by num_generations (8).`
      (TRL 0.18-0.19: "The effective train batch size (...) must be evenly divisible by the
      number of generations per prompt"; 0.15-0.17 checked the per-step batch in the trainer);
    - `num_generations` below 2 (the advantage needs a group);
    - the eval batch (`per_device_eval_batch_size` x processes) not divisible by
      `num_generations_eval` (or `num_generations`) when evaluating;
    - an explicit `generation_batch_size` that is not a multiple of the global batch, or set
      together with `steps_per_generation`;
    - `auto_find_batch_size=True` (TRL 1.9+).

    ## Example
    ```python
    # accelerate launch --num_processes 3 train_grpo.py
    args = GRPOConfig(output_dir="out", per_device_train_batch_size=4)  # 3 x 4 = 12 completions
    ```

    ## Use instead
    ```python
    args = GRPOConfig(output_dir="out", per_device_train_batch_size=4, num_generations=6)
    ```
    Any `num_generations` that divides the generation batch works; so does a batch size or a
    `steps_per_generation` that makes the batch a multiple of `num_generations`.

    ## When it does not apply
    With unsloth imported and neither `generation_batch_size` nor `steps_per_generation` set:
    unsloth's GRPO config replaces `per_device_train_batch_size` with `num_generations` when
    the batch would not hold whole groups (it prints "Unsloth: We now expect
    `per_device_train_batch_size` ... to be a multiple of `num_generations`"), so only fewer
    than 2 generations is judged there. TRL before 0.15 (no check), or a release peft-lint has
    no record of; a value computed at
    run time; a divisibility that depends on the number of processes when the launcher does
    not say it (a run without a launcher, `--num_processes $N` unresolved). Fewer than 2
    generations and `auto_find_batch_size` are judged without it.

    ## What makes it certain
    The trainer is `trl.GRPOTrainer` (or a project subclass); every number the arithmetic
    needs is written (script, YAML, flags) or is the resolved release's default (generated
    field tables). How each release checks the batch is read from its `grpo_config.py` and
    `grpo_trainer.py` (`scripts/gen_knowledge.py --behaviours` over every release 0.7-1.16);
    the processes come from the launcher (`accelerate launch --num_processes`, `torchrun
    --nproc_per_node`, an accelerate config's `num_processes`). Reproduced on TRL 1.16.0.

    ## Fix safety
    Changing `num_generations` changes the algorithm's group size; changing the batch size
    changes memory use. No automatic fix.

    ## References
    - trl `trainer/grpo_config.py` `GRPOConfig.__post_init__` (1.16: the generation batch and
      eval batch checks)
    - https://github.com/huggingface/trl/issues/2858, https://github.com/huggingface/open-r1/issues/249,
      https://github.com/huggingface/trl/issues/3656 (reports)
    """

    code = "PFT804"
    name = "grpo-batch-arithmetic"
    summary = "GRPO generation or eval batch that cannot hold whole groups of num_generations"
    severity = Severity.ERROR
    reproduction = "tests/repro/test_repro.py::test_rule_reproduction[PFT804]"
    claims = tuple(Claim("error", text, marker=text) for text in (
        NOT_DIVISIBLE, NOT_EVENLY, EVAL_GENERATIONS, TOO_FEW, AUTO_FIND, NOT_GLOBAL, BOTH))

    def check(self, setup: TrainingSetup) -> Iterator[Diagnostic]:
        if setup.trainer.span is None or not setup.trainer.kind.is_("trl.GRPOTrainer") or \
                "trl" not in setup.versions:
            return
        check = trl.grpo_batch_check(setup.version("trl"))
        if check is None:
            return
        refusal = first_refusal(check, setup.training_arguments, setup.distributed.world_size,
                                adjusts_batch="unsloth" in setup.dialects)
        if refusal is None:
            return
        where = "building GRPOConfig" if check.where == "config" else "building GRPOTrainer"
        yield self.diagnostic(
            setup.trainer.span,
            f"{refusal.why}: {where} on {setup.version_label('trl')} raises \"ValueError: {refusal.error}\", "
            f"before the first step.", help=refusal.fix,
            related=[item for span, text in refusal.facts for item in related(span, text)])


def _int(facts: dict[str, Fact[object]], key: str) -> int | None:
    """A known integer value (None: not known, or not an integer)."""
    fact = facts.get(key)
    if fact is None or not fact.known or isinstance(fact.value, bool):
        return None
    value = fact.value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value if isinstance(value, int) else None


def _where(facts: dict[str, Fact[object]], *keys: str) -> tuple[tuple[Span | None, str], ...]:
    """Where the run writes the values the arithmetic used (defaults are named in the message)."""
    return tuple((facts[key].span, key) for key in keys if key in facts
                 and facts[key].origin.kind in ("written", "cli") and facts[key].span is not None)


def _processes(count: int) -> str:
    return f"{count} process" if count == 1 else f"{count} processes"


def _divisors(total: int) -> list[int]:
    return [n for n in range(2, total + 1) if total % n == 0]


def first_refusal(check: trl.GrpoBatchCheck, facts: dict[str, Fact[object]],
                  world: Fact[int], adjusts_batch: bool = False) -> Refusal | None:
    """The first check the release runs that this run fails (None: it passes, or not known).

    adjusts_batch: unsloth's GRPO config sets per_device_train_batch_size to num_generations
    when the generation batch would not hold whole groups (and neither generation_batch_size
    nor steps_per_generation is set), so only the checks it leaves apply."""
    n = _int(facts, "num_generations")
    auto = facts.get("auto_find_batch_size")
    if check.auto_find_batch_size_refused and auto is not None and auto.is_(True):
        return Refusal(f"{AUTO_FIND}, because the generation batch must contain full prompt groups ...",
                       "auto_find_batch_size is on for a GRPO run",
                       "set auto_find_batch_size=False and lower per_device_train_batch_size instead",
                       _where(facts, "auto_find_batch_size"))
    processes = world.value if world.known and isinstance(world.value, int) else None
    if n is not None and n < 2 and check.family in ("effective", "generation-values"):
        return _too_few(n, facts)
    if n is not None and n < 2 and check.family == "global":  # its valid values start at 2
        per_device = facts.get("per_device_train_batch_size")
        shown = per_device.value if per_device is not None and per_device.known else "..."
        return Refusal(f"The global train batch size ({processes or '...'} x {shown}) {NOT_EVENLY} "
                       f"({n}). ...",
                       f"num_generations is {n}: GRPO compares each completion with the others of its "
                       "prompt's group", "set num_generations to 2 or more", _where(facts, "num_generations"))
    if adjusts_batch and not any(_int(facts, key) is not None for key in ("generation_batch_size",
                                                                        "steps_per_generation")):
        return _too_few(n, facts) if n is not None and n < 2 else None
    found = _train_batch(check, facts, n, processes)
    if found is not None:
        return found
    if check.eval_check:
        found = _eval_batch(check, facts, n, processes)
        if found is not None:
            return found
    if n is not None and n < 2:
        return _too_few(n, facts)
    return None


def _too_few(n: int, facts: dict[str, Fact[object]]) -> Refusal:
    return Refusal(f"{TOO_FEW} to calculate the advantages. You provided {n}, which is less than the "
                   "minimum required.", f"num_generations is {n}: GRPO compares each completion with the "
                   "others of its prompt's group", "set num_generations to 2 or more",
                   _where(facts, "num_generations"))


def _train_batch(check: trl.GrpoBatchCheck, facts: dict[str, Fact[object]], n: int | None,
                 processes: int | None) -> Refusal | None:
    per_device = _int(facts, "per_device_train_batch_size")
    accumulation = _int(facts, "gradient_accumulation_steps")
    explicit = _int(facts, "generation_batch_size")
    steps = _int(facts, "steps_per_generation")
    written = {key: facts[key] for key in ("generation_batch_size", "steps_per_generation") if key in facts}
    if check.both_batch_settings_refused and all(fact.known and fact.value is not None
                                                 for fact in written.values()) and len(written) == 2:
        return Refusal(f"'generation_batch_size' and 'steps_per_generation' {BOTH}",
                       "both generation_batch_size and steps_per_generation are set",
                       "set one of them", _where(facts, "generation_batch_size", "steps_per_generation"))
    if n is None or per_device is None or processes is None:
        return None
    where = _where(facts, "num_generations", "per_device_train_batch_size", "gradient_accumulation_steps",
                   "generation_batch_size", "steps_per_generation")
    if check.family == "global":
        total = processes * per_device
        if total % n:
            return Refusal(f"The global train batch size ({processes} x {per_device}) {NOT_EVENLY} "
                           f"({n}). ...", f"{_processes(processes)} x {per_device} per device = {total} "
                           "completions per step, "
                           f"not a multiple of num_generations ({n})", _fix(total, n), where)
        return None
    if accumulation is None:
        return None
    if check.family == "effective":
        total = processes * per_device * accumulation
        if total % n:
            return Refusal(f"The effective train batch size ({processes} x {per_device} x {accumulation}) "
                           f"{NOT_EVENLY} ({n}). ...", f"{_processes(processes)} x {per_device} per device x "
                           f"{accumulation} accumulation steps = {total} completions, not a multiple of "
                           f"num_generations ({n})", _fix(total, n), where)
        return None
    global_batch = per_device * processes
    if explicit is not None and steps is None:
        if explicit % global_batch:
            return Refusal(f"generation_batch_size ({explicit}) {NOT_GLOBAL} ({global_batch}).",
                           f"generation_batch_size {explicit} is not a multiple of the global batch "
                           f"({per_device} per device x {_processes(processes)})",
                           f"make generation_batch_size a multiple of {global_batch}", where)
        generation, steps = explicit, explicit // global_batch
    else:
        steps = steps if steps is not None else accumulation
        generation = global_batch * steps
    if generation % n == 0:
        return None
    why = (f"the generation batch is {generation} completions ({per_device} per device x "
           f"{_processes(processes)} x {steps} step{'s' if steps != 1 else ''} per generation), "
           "not a multiple "
           f"of num_generations ({n})")
    if check.family == "generation-values":
        error = f"The effective train batch size ({processes} x {per_device} x {steps}) {NOT_EVENLY} " \
            f"({n}). ..."
    else:
        error = f"generation_batch_size ({generation}) {NOT_DIVISIBLE} ({n})."
    return Refusal(error, why, _fix(generation, n), where)


def _eval_batch(check: trl.GrpoBatchCheck, facts: dict[str, Fact[object]], n: int | None,
                processes: int | None) -> Refusal | None:
    strategy = facts.get("eval_strategy")
    if strategy is None or not strategy.known:
        return None
    shown = getattr(strategy.value, "value", strategy.value)
    if shown in (None, "no", "NO"):
        return None
    n_eval = _int(facts, "num_generations_eval") if check.eval_generations_field else None
    eval_fact = facts.get("num_generations_eval")
    if check.eval_generations_field and n_eval is None and (eval_fact is None or not eval_fact.known
                                                            or eval_fact.value is not None):
        return None  # num_generations_eval computed at run time
    groups = n_eval or n
    per_device = _int(facts, "per_device_eval_batch_size")
    if groups is None or per_device is None or processes is None:
        return None
    total = per_device * processes
    if total % groups == 0:
        return None
    where = _where(facts, "per_device_eval_batch_size", "num_generations", "num_generations_eval",
                   "eval_strategy")
    why = (f"the run evaluates (eval_strategy \"{shown}\") with {total} completions per eval batch "
           f"({per_device} per device x {_processes(processes)}), not a multiple of "
           f"{'num_generations_eval' if n_eval else 'num_generations'} ({groups})")
    step = groups // math.gcd(groups, processes)
    fix = (f"set per_device_eval_batch_size to a multiple of {step} (with {_processes(processes)}), or "
           f"{'num_generations_eval' if check.eval_generations_field else 'num_generations'} to a divisor "
           f"of {total}")
    if check.family == "generation-divisible":
        tail = EVAL_GENERATIONS if check.eval_generations_field else "must be divisible by num_generations"
        return Refusal(f"The global eval batch size ({per_device} * {processes}) {tail} ({groups}).",
                       why, fix, where)
    label = {"global": "global", "effective": "effective", "generation-values": "global"}[check.family]
    return Refusal(f"The {label} eval batch size ({processes} x {per_device}) {NOT_EVENLY} ({groups}). ...",
                   why, fix, where)


def _fix(total: int, n: int) -> str:
    valid = _divisors(total)
    shown = ", ".join(map(str, valid[:8])) + (", ..." if len(valid) > 8 else "")
    return (f"set num_generations to a divisor of {total} ({shown})" if valid else
            "raise per_device_train_batch_size or steps_per_generation") + \
        f", or make the generation batch a multiple of {n}"
