"""argparse parsers bound to the launcher's command line.

`parser.add_argument("--use_adalora", action="store_true")` ... `args = parser.parse_args()`:
the namespace holds what the launcher's flags say (`torchrun ... train.py --use_adalora`), each
converted by its `type=`, and the declared default for a flag the launcher does not pass.
Without a launcher line the defaults stand (the run as the script is written); flags the
parser does not declare are ignored, as argparse would refuse them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from peft_lint.extract.python_objects import LocalFunction, ObjectValue, UserDataclass
from peft_lint.facts.model import Span
from peft_lint.facts.values import Const, DictValue, ListValue, Ref, Unknown, Value

PARSER_CLASS = "argparse.ArgumentParser"
PARSE_METHODS = frozenset({"parse_args", "parse_known_args", "parse_intermixed_args",
                           "parse_known_intermixed_args"})
GROUP_METHODS = frozenset({"add_argument_group", "add_mutually_exclusive_group"})
CONVERTERS: dict[str, Callable[[str], object]] = {"int": int, "float": float, "str": str, "bool": bool}
# simple_parsing (lebrice/SimpleParsing): an argparse parser that also takes dataclasses,
# `parser.add_arguments(TrainConfig, dest="config")`, their fields as `--field value` flags;
# `simple_parsing.parse(TrainConfig)` parses one dataclass straight from the command line.
SIMPLE_PARSING_PARSERS = frozenset({"simple_parsing.ArgumentParser",
                                    "simple_parsing.parsing.ArgumentParser"})
SIMPLE_PARSING_PARSE = frozenset({"simple_parsing.parse", "simple_parsing.parsing.parse"})
# Function-based command lines: the function runs with the flags as keyword arguments
# (`--lora_r 16` -> lora_r=16), its parameters' defaults for the others.
FUNCTION_CLIS = frozenset({"fire.Fire", "typer.run"})


@dataclass(eq=False, repr=False)
class Argument:
    options: list[str]  # "--use_adalora", "-u"; empty for a positional argument
    dest: str
    action: str = "store"
    default: Value | None = None
    const: Value | None = None
    kind: Value | None = None  # type=
    nargs: object = None
    span: Span | None = None
    required: bool = False


@dataclass(eq=False, repr=False)
class ArgparseParser:
    span: Span | None
    arguments: list[Argument] = field(default_factory=list)
    defaults: dict[str, Value] = field(default_factory=dict)  # set_defaults(...)
    # subcommands, or arguments peft-lint could not read: the namespace is not known
    opaque: bool = False
    # simple_parsing's add_arguments: (the dataclass, the namespace attribute it fills)
    dataclasses: list[tuple[Value, str]] = field(default_factory=list)


# Converts one flag value with the argument's `type=`: (the argument, the text) -> value
Convert = Callable[[Argument, Const], Value]


def add_argument(parser: ArgparseParser, args: list[Value], kwargs: DictValue, span: Span) -> Value:
    names = [str(arg.value) for arg in args if isinstance(arg, Const) and isinstance(arg.value, str)]
    if len(names) != len(args) or not kwargs.complete:
        parser.opaque = True
        return Unknown(span, "an argument peft-lint cannot read")
    options = [name for name in names if name.startswith("-")]
    dest_value = kwargs.entries.get("dest")
    long = next((name for name in options if name.startswith("--")), options[0] if options else "")
    dest = str(dest_value.value) if isinstance(dest_value, Const) else \
        (long.lstrip("-") if options else names[0] if names else "").replace("-", "_")
    action = kwargs.entries.get("action")
    nargs = kwargs.entries.get("nargs")
    parser.arguments.append(Argument(
        options, dest, str(action.value) if isinstance(action, Const) else "store" if action is None
        else "unknown", kwargs.entries.get("default"), kwargs.entries.get("const"),
        kwargs.entries.get("type"), nargs.value if isinstance(nargs, Const) else nargs, span,
        (isinstance(kwargs.entries.get("required"), Const) and kwargs.entries["required"].value is True)  # type: ignore[union-attr]
        or (not options and nargs is None)))
    return Const(span, None)


# click's parameter decorators (click `decorators.py`); an option is a flag with is_flag=True
CLICK_PARAMETERS = frozenset({"click.option", "click.argument"})


def add_click_parameter(parser: ArgparseParser, kind: str, names: list[Value], options: DictValue,
                        span: Span) -> None:
    """`@click.option("--lr", "-l", default=1e-4, type=float)` / `@click.option("--bf16",
    is_flag=True)` / `@click.argument("config")`, as the argparse argument they amount to."""
    texts = [str(name.value) for name in names if isinstance(name, Const) and isinstance(name.value, str)]
    if len(texts) != len(names) or not options.complete:
        parser.opaque = True
        return
    dashed = [text for text in texts if text.startswith("-")]
    plain = [text for text in texts if not text.startswith("-")]
    longest = max(dashed, key=len) if dashed else ""
    dest = (plain[0] if plain else longest.lstrip("-")).replace("-", "_")
    flag = options.entries.get("is_flag")
    is_flag = isinstance(flag, Const) and flag.value is True
    required = options.entries.get("required")
    parser.arguments.append(Argument(
        dashed if kind == "click.option" else [], dest, "store_true" if is_flag else "store",
        options.entries.get("default"), None, options.entries.get("type"), None, span,
        kind == "click.argument" or (isinstance(required, Const) and required.value is True)))


def _required(kwargs: DictValue, options: list[str], nargs: Value | None) -> bool:
    """`required=True`, or a positional argument that takes one value."""
    required = kwargs.entries.get("required")
    if isinstance(required, Const) and required.value is True:
        return True
    return not options and nargs is None


def parse(parser: ArgparseParser, method: str, tokens: list[Value] | None, convert: Convert,
          span: Span) -> Value:
    """The namespace a parse method returns (with the unknown rest for parse_known_args)."""
    values = DictValue(span, {}, complete=not parser.opaque)
    for argument in parser.arguments:
        values.entries[argument.dest] = _default(argument, span)
    values.entries.update(parser.defaults)
    if tokens is None:
        values.complete = False
    elif not parser.opaque:
        _bind(parser, tokens, values, convert)
    namespace = ObjectValue(span, UserDataclass("Namespace", values))
    if method.startswith("parse_known"):
        return ListValue(span, [namespace, Unknown(span, "the arguments the parser does not know")])
    return namespace


def _default(argument: Argument, span: Span) -> Value:
    if argument.action == "store_true":
        return argument.default or Const(span, False)
    if argument.action == "store_false":
        return argument.default or Const(span, True)
    if argument.action == "unknown":
        return Unknown(argument.span or span, f"`{argument.dest}` has an action peft-lint does not model")
    if argument.required:
        return Unknown(argument.span or span, f"the required argument `{argument.dest}`, which no launcher "
                                               "in the files of this run passes")
    return argument.default if argument.default is not None else Const(argument.span or span, None)


def _bind(parser: ArgparseParser, tokens: list[Value], values: DictValue, convert: Convert) -> None:
    by_option = {option: argument for argument in parser.arguments for option in argument.options}
    positionals = [argument for argument in parser.arguments if not argument.options]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        text = token.value if isinstance(token, Const) else None
        if not isinstance(text, str):
            values.complete = False  # a flag computed at run time: anything may be set
            index += 1
            continue
        option, has_inline, inline = text.partition("=") if text.startswith("--") else (text, "", "")
        argument = by_option.get(option)
        if argument is None:
            if not text.startswith("-") and positionals:
                positional = positionals.pop(0)
                values.entries[positional.dest] = convert(positional, Const(token.span, text))
            index += 1
            continue
        index += 1
        if argument.action in ("store_true", "store_false", "store_const"):
            values.entries[argument.dest] = Const(token.span, argument.action == "store_true") \
                if argument.action != "store_const" else (argument.const or Const(token.span, None))
            continue
        if argument.action == "count":
            previous = values.entries.get(argument.dest)
            count = previous.value if isinstance(previous, Const) and isinstance(previous.value, int) else 0
            values.entries[argument.dest] = Const(token.span, count + 1)
            continue
        if has_inline:
            words = [Const(token.span, inline)]
        elif argument.nargs in ("+", "*") or isinstance(argument.nargs, int):
            words = []
            limit = argument.nargs if isinstance(argument.nargs, int) else len(tokens)
            while index < len(tokens) and len(words) < limit and not _is_option(tokens[index]):
                words.append(tokens[index])
                index += 1
        elif index < len(tokens) and not (argument.nargs == "?" and _is_option(tokens[index])):
            words = [tokens[index]]
            index += 1
        else:
            words = []
        converted = [convert(argument, word) if isinstance(word, Const) else
                     Unknown(word.span, f"`{argument.dest}` is computed at run time") for word in words]
        if argument.nargs in ("+", "*") or isinstance(argument.nargs, int):
            value: Value = ListValue(token.span, converted)
        elif converted:
            value = converted[0]
        else:
            value = argument.const or Const(token.span, None)
        if argument.action == "append":
            previous = values.entries.get(argument.dest)
            items = list(previous.items) if isinstance(previous, ListValue) else []
            value = ListValue(token.span, [*items, value])
        values.entries[argument.dest] = value


def _is_option(token: Value) -> bool:
    return isinstance(token, Const) and isinstance(token.value, str) and token.value.startswith("-") \
        and not token.value[1:2].isdigit()


def convert_with(kind: Value | None, text: Const,
                 call_local: Callable[[LocalFunction, Const], Value]) -> Value:
    """A flag's text converted by `type=`: int/float/str/bool, or a function of the script."""
    if kind is None:
        return text
    if isinstance(kind, Ref) and kind.name in CONVERTERS:
        try:
            return Const(text.span, CONVERTERS[kind.name](str(text.value)))
        except ValueError:
            return Unknown(text.span, f"`{text.value}` is not a valid {kind.name}")
    if isinstance(kind, ObjectValue) and isinstance(kind.obj, LocalFunction):
        return call_local(kind.obj, text)
    return Unknown(text.span, "a flag converted by a function peft-lint cannot follow")
