"""Launcher front-end: torchrun / accelerate launch / deepspeed / srun / python commands.

The shell front-end (`extract/shell.py`) gives each command's words as bash expands them;
this module reads each launcher's options (process counts, strategies, configs) and binds
the script's own `--flag value` arguments to its argument parsers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from peft_lint.extract.shell import UNRESOLVED
from peft_lint.facts.model import Fact, Span
from peft_lint.knowledge import trl as trl_knowledge

__all__ = ["UNRESOLVED", "LaunchCommand", "ScriptArgument", "parse_launcher"]
PYTHONS = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")


@dataclass
class ScriptArgument:
    text: str
    span: Span


@dataclass
class LaunchCommand:
    launcher: str  # torchrun, accelerate, deepspeed, srun, python
    span: Span
    script: str
    script_args: list[ScriptArgument] = field(default_factory=list)
    world_size: Fact[int] = field(default_factory=lambda: Fact.unknown("not given"))
    strategy: Fact[str] = field(default_factory=lambda: Fact.unknown("not given"))
    accelerate_config: str | None = None
    uses_module: bool = False  # `python -m package.module`
    # the variables the launcher exports to the script (and sets on its line)
    environment: dict[str, str] = field(default_factory=dict)
    # the launcher's variables this command expands: name -> (value, where it was set)
    variables: dict[str, tuple[str, Span | None]] = field(default_factory=dict)


def parse_launcher(path: str, text: str, folder: Path | None = None) -> list[LaunchCommand]:
    """The launch commands of a shell script or SLURM job file, read by the shell front-end
    (`extract/shell.py`: variables, quoting, branches, sourced env files) and bound to each
    launcher's options."""
    from peft_lint.extract.shell import shell_commands, source_reader

    sbatch: dict[str, str] = {}
    commands: list[LaunchCommand] = []
    read = source_reader(folder) if folder is not None else None
    for found in shell_commands(path, text, read, sbatch):
        command = _command(found.words, found.span, sbatch, found.environment)
        if command is not None:
            command.environment = found.environment
            command.variables = found.variables
            _place_script_arguments(command, found.word_spans)
            commands.append(command)
    return commands


def _place_script_arguments(command: LaunchCommand, word_spans: list[Span]) -> None:
    """Each of the script's arguments at the word it is written as: they are the command's
    last words."""
    count = len(command.script_args)
    if not count or len(word_spans) < count:
        return
    for argument, span in zip(command.script_args, word_spans[-count:], strict=True):
        argument.span = span


def _environment_prefix(tokens: list[str]) -> dict[str, str]:
    """`FORCE_TORCHRUN=1 NPROC_PER_NODE=4 llamafactory-cli ...`: the variables set on the line."""
    environment: dict[str, str] = {}
    for token in tokens:
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", token)
        if not match:
            break
        environment[match.group(1)] = match.group(2)
    return environment


def _llamafactory(tokens: list[str], span: Span, environment: dict[str, str]) -> LaunchCommand:
    """`llamafactory-cli train config.yaml`: torchrun with NPROC_PER_NODE x NNODES processes when
    more than one GPU is visible or FORCE_TORCHRUN is set."""
    config = next((token for token in tokens if token.endswith((".yaml", ".yml", ".json"))), "")
    per_node, nodes = environment.get("NPROC_PER_NODE"), environment.get("NNODES", "1")
    command = LaunchCommand("llamafactory", span, config)
    per_node_count, node_count = _count(per_node), _count(nodes)
    if per_node_count is not None and node_count is not None:
        command.world_size = Fact.written(per_node_count * node_count, span)
        command.strategy = _strategy_from_world(command.world_size, span)
    else:
        command.world_size = Fact.unknown("llamafactory-cli uses every visible GPU unless "
                                          "NPROC_PER_NODE is set", span)
    return command


def _strip_prefixes(tokens: list[str]) -> list[str]:
    """Drop env assignments and wrappers (nohup, time, uv run, exec)."""
    while tokens:
        head = tokens[0]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", head) or head in ("nohup", "time", "exec", "env"):
            tokens = tokens[1:]
        elif head in ("uv", "poetry", "pipenv", "conda") and len(tokens) > 1 and tokens[1] == "run":
            tokens = tokens[2:]
        else:
            return tokens
    return tokens


def _command(tokens: list[str], span: Span, sbatch: dict[str, str],
             exported: dict[str, str] | None = None) -> LaunchCommand | None:
    environment = {**(exported or {}), **_environment_prefix(tokens)}
    tokens = _strip_prefixes(tokens)
    if not tokens:
        return None
    head = tokens[0].rsplit("/", 1)[-1]
    if head == "srun":
        return _srun(tokens[1:], span, sbatch)
    if head == "torchrun":
        return _torchrun(tokens[1:], span, environment)
    if head == "accelerate" and len(tokens) > 1 and tokens[1] == "launch":
        return _accelerate(tokens[2:], span)
    if head == "deepspeed":
        return _deepspeed(tokens[1:], span)
    if head == "llamafactory-cli" and len(tokens) > 2 and tokens[1] == "train":
        return _llamafactory(tokens[2:], span, environment)
    if head == "axolotl" and len(tokens) > 2 and tokens[1] == "train":
        # axolotl's CLI launches accelerate itself, with the user's default accelerate config
        config = next((token for token in tokens[2:] if token.endswith((".yaml", ".yml"))), "")
        return LaunchCommand("axolotl", span, config)
    if PYTHONS.match(head) and len(tokens) > 3 and tokens[1] == "-m" and tokens[2] == "axolotl.cli.train":
        config = next((token for token in tokens[3:] if token.endswith((".yaml", ".yml"))), "")
        return LaunchCommand("axolotl", span, config)
    if head == "trl" and len(tokens) > 1 and tokens[1] in trl_knowledge.CLI_COMMANDS:
        return _trl(tokens[1], tokens[2:], span)
    if head == "swift" and len(tokens) > 1 and tokens[1] in SWIFT_TRAINING_COMMANDS:
        return _swift(tokens[1], tokens[2:], span, environment)
    if PYTHONS.match(head):
        return _python(tokens[1:], span, environment)
    return None


def _trl(name: str, tokens: list[str], span: Span) -> LaunchCommand:
    """`trl sft --config sft.yaml --num_processes 2`: TRL's own script under accelerate launch.
    Every argument reaches the script's parser; those it does not know go to accelerate."""
    command = LaunchCommand("trl", span, f"trl {name}", [ScriptArgument(token, span) for token in tokens])
    options = {token[2:].split("=", 1)[0].replace("-", "_"): value for token, value in _flag_pairs(tokens)}
    count = _int_option(options, "num_processes")
    if count is not None:
        command.world_size = _world(count, None, "trl", span)
    bundled = options.get("accelerate_config")
    if bundled in trl_knowledge.BUNDLED_ACCELERATE_CONFIGS:
        strategy, processes = trl_knowledge.BUNDLED_ACCELERATE_CONFIGS[bundled]
        command.strategy = Fact.written(strategy, span)
        if count is None:
            command.world_size = Fact.written(processes, span)
    elif bundled:
        command.accelerate_config = bundled  # a file of the project, read like accelerate's
    elif count is None:
        command.world_size = Fact.unknown(
            f"`trl {name}` without --num_processes or --accelerate_config reads the user's default "
            "accelerate config", span)
    if count is not None and not command.strategy.known:
        command.strategy = _strategy_from_world(command.world_size, span)
    return command


# ms-swift (`swift/cli/main.py`): these subcommands train; NPROC_PER_NODE or NNODES set (to any
# value) runs them under `python -m torch.distributed.run`, else in one process (which spreads
# the model over every visible GPU: model parallelism, not DDP).
SWIFT_TRAINING_COMMANDS = frozenset({"sft", "pt", "rlhf"})


def _swift(name: str, tokens: list[str], span: Span, environment: dict[str, str]) -> LaunchCommand:
    command = LaunchCommand("swift", span, f"swift {name}", [ScriptArgument(token, span) for token in tokens])
    options = {token[2:].split("=", 1)[0].replace("-", "_"): value for token, value in _flag_pairs(tokens)}
    if "NPROC_PER_NODE" in environment or "NNODES" in environment:
        per_node = _count(environment["NPROC_PER_NODE"]) if "NPROC_PER_NODE" in environment else 1
        nodes = _count(environment["NNODES"]) if "NNODES" in environment else 1
        command.world_size = _world(per_node if per_node is not None else environment.get("NPROC_PER_NODE"),
                                    nodes if nodes is not None else environment.get("NNODES"),
                                    "swift (torchrun)", span)
    else:
        command.world_size = Fact.derived(1, "`swift` without NPROC_PER_NODE or NNODES runs one process",
                                          span)
    if options.get("deepspeed"):
        command.strategy = Fact.written("deepspeed", span)
    elif options.get("fsdp"):
        command.strategy = Fact.written("fsdp", span)
    else:
        command.strategy = _strategy_from_world(command.world_size, span)
    return command


def _flag_pairs(tokens: list[str]) -> list[tuple[str, str]]:
    """`--key value` and `--key=value` pairs (a flag without a value pairs with "")."""
    pairs: list[tuple[str, str]] = []
    for index, token in enumerate(tokens):
        if not token.startswith("--"):
            continue
        if "=" in token:
            pairs.append((token.split("=", 1)[0], token.split("=", 1)[1]))
        elif index + 1 < len(tokens) and not tokens[index + 1].startswith("--"):
            pairs.append((token, tokens[index + 1]))
        else:
            pairs.append((token, ""))
    return pairs


def _options(tokens: list[str], flags_without_value: frozenset[str]) -> tuple[dict[str, str], int]:
    """Leading `--opt value` / `--opt=value` tokens up to the script; returns (options, index)."""
    options: dict[str, str] = {}
    index = 0
    while index < len(tokens) and tokens[index].startswith("-"):
        token = tokens[index]
        name, has_value, value = token.lstrip("-").partition("=")
        name = name.replace("-", "_")
        if name == "m":
            break
        if has_value:
            options[name] = value
        elif name in flags_without_value or index + 1 >= len(tokens):
            options[name] = "true"
        else:
            options[name] = tokens[index + 1]
            index += 1
        index += 1
    return options, index


def _count(text: str | None) -> int | None:
    """A process or node count written in ASCII digits; None for anything else (`²` is a
    digit to str.isdigit, and 5000 digits are past int()'s limit)."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


def _int_option(options: dict[str, str], *names: str) -> int | str | None:
    for name in names:
        if name in options:
            raw = options[name]
            count = _count(raw)
            return count if count is not None else raw
    return None


def _script_and_args(tokens: list[str], index: int, span: Span) -> tuple[str, list[ScriptArgument], bool]:
    if index >= len(tokens):
        return "", [], False
    uses_module = False
    if tokens[index] == "-m" and index + 1 < len(tokens):
        uses_module = True
        index += 1
    elif PYTHONS.match(tokens[index].rsplit("/", 1)[-1]):
        index += 1
        if index < len(tokens) and tokens[index] == "-m":
            uses_module = True
            index += 1
    if index >= len(tokens):
        return "", [], uses_module
    script = tokens[index]
    arguments = [ScriptArgument(token, span) for token in tokens[index + 1:]]
    return script, arguments, uses_module


def _world(nproc: int | str | None, nodes: int | str | None, what: str, span: Span) -> Fact[int]:
    per_node = 1 if nproc is None else nproc
    machines = 1 if nodes is None else nodes
    if isinstance(per_node, int) and isinstance(machines, int):
        return Fact.written(per_node * machines, span)
    if isinstance(per_node, int) and per_node > 1:
        return Fact.derived(per_node, f"at least {per_node} processes ({what})", span)
    if isinstance(machines, int) and machines > 1:
        return Fact.derived(machines, f"at least {machines} processes ({what})", span)
    return Fact.unknown(f"the process count in `{what}` is decided at run time", span)


def _visible_gpus(environment: dict[str, str]) -> int | None:
    """How many GPUs `CUDA_VISIBLE_DEVICES=0,1,2` makes visible; None when not set or not known."""
    devices = environment.get("CUDA_VISIBLE_DEVICES")
    if devices is None or UNRESOLVED in devices or not devices.strip():
        return None
    return len([device for device in devices.split(",") if device.strip()])


def _torchrun(tokens: list[str], span: Span, environment: dict[str, str] | None = None) -> LaunchCommand:
    options, index = _options(tokens, frozenset({"standalone", "no_python", "module", "run_path"}))
    nproc = _int_option(options, "nproc_per_node", "nproc-per-node")
    if nproc in ("gpu", "auto") and environment is not None:
        # one process a visible GPU (torch.distributed.run `determine_local_world_size`)
        nproc = _visible_gpus(environment) or nproc
    nnodes = _int_option(options, "nnodes")
    script, arguments, module = _script_and_args(tokens, index, span)
    world = _world(nproc, nnodes, "torchrun", span)
    strategy = _strategy_from_world(world, span)
    return LaunchCommand("torchrun", span, script, arguments, world, strategy, uses_module=module)


def _strategy_from_world(world: Fact[int], span: Span) -> Fact[str]:
    if world.known and isinstance(world.value, int):
        return Fact.derived("ddp" if world.value > 1 else "none", "from the process count", span)
    return Fact.unknown("the process count is decided at run time", span)


def _accelerate(tokens: list[str], span: Span) -> LaunchCommand:
    flags = frozenset({"multi_gpu", "use_deepspeed", "use_fsdp", "cpu", "module", "m",
                       "no_python", "debug", "quiet", "q", "use_cpu"})
    options, index = _options(tokens, flags)
    script, arguments, module = _script_and_args(tokens, index, span)
    count = _int_option(options, "num_processes")
    machines = _int_option(options, "num_machines")
    command = LaunchCommand("accelerate", span, script, arguments, uses_module=module)
    command.accelerate_config = options.get("config_file")
    if count is not None or machines is not None:
        # --num_processes counts all processes across machines in accelerate
        command.world_size = _world(count, None, "accelerate launch", span)
    if "use_deepspeed" in options:
        command.strategy = Fact.written("deepspeed", span)
    elif "use_fsdp" in options:
        command.strategy = Fact.written("fsdp", span)
    elif "multi_gpu" in options:
        command.strategy = Fact.written("ddp", span)
        if not command.world_size.known:
            command.world_size = Fact.unknown(
                "`accelerate launch --multi_gpu` without --num_processes uses every visible GPU",
                span)
    elif command.world_size.known:
        command.strategy = _strategy_from_world(command.world_size, span)
    elif command.accelerate_config is None:
        command.world_size = Fact.unknown(
            "`accelerate launch` without --num_processes or --config_file reads the user's "
            "default accelerate config", span)
    return command


def _deepspeed(tokens: list[str], span: Span) -> LaunchCommand:
    options, index = _options(tokens, frozenset({"no_python", "module", "force_multi",
                                                 "no_local_rank"}))
    script, arguments, module = _script_and_args(tokens, index, span)
    gpus = _int_option(options, "num_gpus", "num_accelerators")
    nodes = _int_option(options, "num_nodes")
    if gpus is None and "include" not in options:
        world: Fact[int] = Fact.unknown("`deepspeed` without --num_gpus uses every visible GPU", span)
    else:
        world = _world(gpus, nodes, "deepspeed", span)
    return LaunchCommand("deepspeed", span, script, arguments, world,
                         Fact.written("deepspeed", span), uses_module=module)


def _python(tokens: list[str], span: Span, environment: dict[str, str] | None = None) -> LaunchCommand | None:
    if len(tokens) >= 2 and tokens[0] == "-m":
        launcher_module = tokens[1]
        if launcher_module in ("torch.distributed.run", "torch.distributed.launch"):
            return _torchrun(tokens[2:], span, environment)
        if launcher_module == "accelerate.commands.launch":
            return _accelerate(tokens[2:], span)
        if launcher_module == "deepspeed":
            return _deepspeed(tokens[2:], span)
    _, index = _options(tokens, frozenset({"u", "O", "B", "W"}))
    script, arguments, module = _script_and_args(tokens, index, span)
    if not script or not (script.endswith(".py") or module):
        return None
    return LaunchCommand("python", span, script, arguments,
                         Fact.written(1, span), Fact.derived("none", "a single python process", span),
                         uses_module=module)


def _srun(tokens: list[str], span: Span, sbatch: dict[str, str]) -> LaunchCommand | None:
    options, index = _options(tokens, frozenset({"exclusive", "u", "unbuffered"}))
    inner = _command(tokens[index:], span, sbatch)
    if inner is None or inner.launcher != "python":
        return inner
    tasks = _int_option(options, "ntasks", "n")
    if tasks is None:
        per_node = _int_option({**sbatch, **options}, "ntasks_per_node", "ntasks-per-node")
        nodes = _int_option({**sbatch, **options}, "nodes", "N")
        tasks_world = _world(per_node, nodes, "srun", span)
    else:
        tasks_world = _world(tasks, None, "srun", span)
    inner.launcher = "srun"
    inner.world_size = tasks_world
    inner.strategy = _strategy_from_world(tasks_world, span)
    return inner


def accelerate_config_facts(config: dict[str, object], span: Span,
                            key_spans: dict[str, Span] | None = None) -> tuple[Fact[int], Fact[str]]:
    """World size and strategy from an accelerate config file (located at the lines that say
    them: `num_processes:`, `distributed_type:`)."""
    from peft_lint.knowledge.accelerate import STRATEGY_BY_DISTRIBUTED_TYPE

    spans = key_spans or {}
    count = config.get("num_processes")
    machines = config.get("num_machines", 1)
    world: Fact[int] = Fact.unknown("num_processes not set in the accelerate config", span)
    if isinstance(count, int) and isinstance(machines, int):
        world = Fact.written(count, spans.get("num_processes", span))
    kind = config.get("distributed_type")
    strategy: Fact[str] = Fact.unknown("distributed_type not set in the accelerate config", span)
    if isinstance(kind, str) and kind.upper() in STRATEGY_BY_DISTRIBUTED_TYPE:
        strategy = Fact.written(STRATEGY_BY_DISTRIBUTED_TYPE[kind.upper()],
                                spans.get("distributed_type", span))
        if strategy.value == "ddp" and world.known and world.value == 1:
            strategy = Fact.derived("none", "one process", span)
    return world, strategy
