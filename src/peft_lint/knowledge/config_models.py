"""pydantic models of the libraries' config classes, generated per version from the field tables.

A model is built from data, never kept by hand: the field tables (scripts/gen_knowledge.py,
read from the released wheels) give each field's annotation and the values its Literal or Enum
names, per version; this module turns them into `pydantic.create_model` models whose
constraints are the ones the libraries enforce at run time, for the way the config is read:

- "argv": command-line flags read by HfArgumentParser / TrlParser. argparse checks a flag
  against the `choices` HfArgumentParser derives from the annotation (an Enum, or a Literal,
  after `Optional[X]` and `Union[X, str]` are unwrapped: `_argparse_choices`) and stops with
  "invalid choice".
- "construct": the class built from values (`TrainingArguments(**cfg)`, `parse_dict`,
  `parse_yaml_file`, TrlParser's `--config`, `LoraConfig(...)`): only what the library code
  converts or checks is enforced (transformers' enum fields in `__post_init__`; LoRA's `bias`,
  `r` and `lora_dropout` when get_peft_model builds the layers). A Literal annotation alone is
  not checked there, and is not judged.
- "model": a library's own pydantic model (DeepSpeed's config sections): its Enum choices and
  `Field(gt=/ge=/lt=/le=)` bounds, judged only on values of the type pydantic compares (an int
  enum accepts "3" and 3.0 in lax mode: only ints are judged).

Only the fields a run writes go into its model (a 3-field model builds in about a millisecond,
all 150 of TrainingArguments take far longer), each model is built once per process, and
pydantic is imported only when a run writes a field with such a check.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from peft_lint.knowledge import fields

if TYPE_CHECKING:
    from pydantic import BaseModel

# the pydantic errors that are the libraries' refusals (a type error is not one of them)
_REFUSALS = frozenset({"literal_error", "greater_than", "greater_than_equal", "less_than",
                       "less_than_equal"})
_TYPING = frozenset({"Optional", "Union", "List", "Dict", "Tuple", "Any", "list", "dict", "tuple",
                     "str", "int", "float", "bool", "None", "Literal", "typing"})


@dataclass(frozen=True)
class FieldCheck:
    """What the library enforces on one field, and the error it raises otherwise."""

    kind: str  # "choice" | "range"
    error: str  # the exception text, "{value}" (and "{enum}", "{choices}") filled per value
    choices: tuple[object, ...] = ()
    greater_than: float | None = None
    at_most: float | None = None
    at_least: float | None = None
    less_than: float | None = None
    enum: str = ""  # the Enum class a "construct" choice converts to (`SaveStrategy`)
    lower: bool = False  # the library lower-cases the value before checking it
    strings_only: bool = False  # the library checks only a str (None and objects take other paths)
    typed: bool = False  # only values of the choices' own type are judged (pydantic's lax enums)
    v1: bool = False  # the library's model is on pydantic's v1 API (its messages are worded so)


@dataclass(frozen=True)
class BadValue:
    """A written value the library rejects at run time."""

    key: str
    value: object
    check: FieldCheck
    detail: str = ""  # pydantic's message for the value ("Input should be greater than 0")

    @property
    def error(self) -> str:
        choices = list(self.check.choices)
        # the value as the library's f-string prints it (`False`, `step`, `1.5`), or its repr
        return self.check.error.format(value=self.value, value_repr=repr(self.value),
                                       enum=self.check.enum, choices=choices, detail=self.detail)


def field_checks(canonical: str, versions: dict[str, str], route: str) -> dict[str, FieldCheck]:
    """The run-time checks of a class's fields for the resolved versions and reading route
    (empty when its tables are not known: nothing is judged)."""
    return dict(_field_checks(canonical, tuple(sorted(versions.items())), route))


@lru_cache(maxsize=128)
def _field_checks(canonical: str, versions_key: tuple[tuple[str, str], ...],
                  route: str) -> tuple[tuple[str, FieldCheck], ...]:
    versions = dict(versions_key)
    if route == "argv":
        return tuple(_argv_checks(canonical, versions).items())
    if route == "model":
        return tuple(_model_checks(canonical, versions).items())
    return tuple(_construct_checks(canonical, versions).items())


def validate(canonical: str, versions: dict[str, str], route: str,
             values: dict[str, object]) -> list[BadValue]:
    """The written values the class's model (its checked fields among `values`) rejects."""
    checks = field_checks(canonical, versions, route)
    written = {key: value.lower() if checks[key].lower and isinstance(value, str) else value
               for key, value in values.items() if key in checks and _judged(checks[key], value)}
    if not written:
        return []
    from pydantic import ValidationError

    model = _model(canonical, tuple(sorted(versions.items())), route, tuple(sorted(written)))
    try:
        model.model_validate(written)
    except ValidationError as error:
        bad: list[BadValue] = []
        for problem in error.errors():
            key = str(problem["loc"][0]) if problem["loc"] else ""
            if problem["type"] not in _REFUSALS:
                continue
            if key in written and not any(item.key == key for item in bad):
                bad.append(BadValue(key, values[key], checks[key], _detail(problem, checks[key])))
        return bad
    return []


_V1_BOUNDS = {"greater_than": "greater than", "greater_than_equal": "greater than or equal to",
              "less_than": "less than", "less_than_equal": "less than or equal to"}


def _detail(problem: Any, check: FieldCheck) -> str:
    """pydantic's message for a refused value, worded as the library's pydantic API words it
    (v1: "ensure this value is greater than 0", the limit as the class writes it)."""
    if not check.v1 or problem["type"] not in _V1_BOUNDS:
        return str(problem.get("msg", ""))
    limit = {"greater_than": check.greater_than, "greater_than_equal": check.at_least,
             "less_than": check.less_than, "less_than_equal": check.at_most}[problem["type"]]
    return f"ensure this value is {_V1_BOUNDS[problem['type']]} {limit}"  # as the class writes it


def _judged(check: FieldCheck, value: object) -> bool:
    """A range judges numbers; None or a string there fails otherwise, or not at all."""
    if check.strings_only:
        return isinstance(value, str)
    if check.typed and check.kind == "choice":
        kinds = {type(choice) for choice in check.choices}
        return type(value) in kinds  # bool is not int here: pydantic reads True as 1
    return check.kind == "choice" or (isinstance(value, int | float) and not isinstance(value, bool))


@lru_cache(maxsize=256)
def _model(canonical: str, versions_key: tuple[tuple[str, str], ...], route: str,
           keys: tuple[str, ...]) -> type[BaseModel]:
    """The model of one class over the fields a run writes, built once per process."""
    from typing import Annotated, Literal

    from pydantic import ConfigDict, Field, create_model

    checks = dict(_field_checks(canonical, versions_key, route))
    definitions: dict[str, Any] = {}
    for key in keys:
        check = checks[key]
        if check.kind == "choice":
            # argparse and Enum(value) compare the text: a YAML `no` (False) is not "no"
            definitions[key] = (Literal[check.choices], ...)  # type: ignore[valid-type]
        else:
            definitions[key] = (Annotated[float, Field(gt=check.greater_than, le=check.at_most,
                                                       ge=check.at_least, lt=check.less_than)], ...)
    name = canonical.rsplit(".", 1)[-1]
    return create_model(name, __config__=ConfigDict(extra="ignore"), **definitions)  # type: ignore[no-any-return, call-overload]


def _argv_checks(canonical: str, versions: dict[str, str]) -> dict[str, FieldCheck]:
    found: dict[str, FieldCheck] = {}
    for key in fields.fields(canonical, versions) or ():
        text = fields.annotation(canonical, versions, key)
        names = fields.choices(canonical, versions, key)
        choices = _argparse_choices(text, names) if text is not None and names else ()
        if not choices:
            choices = tuple(sorted(fields.flag_choices(canonical, versions, key) or ()))
        if choices:
            found[key] = FieldCheck("choice", "invalid choice: '{value}'", choices)
    return found


def _model_checks(canonical: str, versions: dict[str, str]) -> dict[str, FieldCheck]:
    """A library pydantic model's checks, from its generated schema: choices and bounds, with
    the text of pydantic's own error ("Input should be 0, 1, 2, 3 or 3")."""
    schema = fields.model_schema(canonical, versions)
    if schema is None:
        return {}
    v1 = schema.api == "v1"
    found: dict[str, FieldCheck] = {}
    for key, values in schema.choices.items():
        found[key] = FieldCheck("choice", _enum_error(values, v1), tuple(dict.fromkeys(values)),
                                typed=True, v1=v1)
    for key, bound in schema.bounds.items():
        # the model's own message for the bound the value breaks (the library's model words it alike)
        found[key] = FieldCheck("range", "{detail}", greater_than=bound.get("gt"),
                                at_most=bound.get("le"), at_least=bound.get("ge"),
                                less_than=bound.get("lt"), v1=v1)
    return found


def _enum_error(values: tuple[object, ...], v1: bool) -> str:
    """pydantic's message for a value outside an Enum: v2 lists every member's value
    (`0, 1, 2, 3 or 3`, `'none', 'cpu' or 'nvme'`), v1 the distinct values."""
    if v1:
        return "value is not a valid enumeration member; permitted: " + \
            ", ".join(repr(value) for value in dict.fromkeys(values))
    shown = [repr(value) for value in values]
    return "Input should be " + (shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}")


def _construct_checks(canonical: str, versions: dict[str, str]) -> dict[str, FieldCheck]:
    from peft_lint.knowledge import peft, torch
    from peft_lint.knowledge import transformers as tf

    found: dict[str, FieldCheck] = {}
    known = fields.fields(canonical, versions) or frozenset()
    if fields.fields("transformers.TrainingArguments", versions) is not None and \
            canonical.split(".")[0] in ("transformers", "trl"):
        for key in sorted(tf.POST_INIT_ENUM_FIELDS & known):
            check = _enum_check("transformers.TrainingArguments", versions, key,
                                f"ValueError: {tf.ENUM_VALUE_ERROR}")
            if check is not None:
                found[key] = check
    if canonical == "accelerate.ClusterConfig":
        found.update(_accelerate_config_checks(versions))
    if canonical == "peft.LoraConfig" and peft.checks_lora_values(versions.get("peft", "")):
        bias = fields.choices(canonical, versions, "bias")
        if bias:
            found["bias"] = FieldCheck("choice", peft.LORA_BIAS_ERROR, tuple(sorted(bias)))
        found["r"] = FieldCheck("range", peft.LORA_RANK_ERROR, greater_than=0)
        found["lora_dropout"] = FieldCheck("range", torch.DROPOUT_RANGE_ERROR, at_most=1)
    found = {key: check for key, check in found.items() if key in known}
    # BitsAndBytesConfig takes **kwargs (its table judges no keys): the check needs only the table
    if canonical == "transformers.BitsAndBytesConfig" and fields.table_version(
            "transformers", versions.get("transformers", "")) is not None:
        found["bnb_4bit_compute_dtype"] = FieldCheck("choice", tf.BNB_COMPUTE_DTYPE_ERROR,
                                                     tuple(sorted(torch.DTYPE_NAMES)), strings_only=True)
    return found


def _accelerate_config_checks(versions: dict[str, str]) -> dict[str, FieldCheck]:
    from peft_lint.knowledge import accelerate

    found: dict[str, FieldCheck] = {}
    for key in sorted(accelerate.CONFIG_ENUM_FIELDS):
        check = _enum_check("accelerate.ClusterConfig", versions, key, accelerate.CONFIG_ENUM_ERROR)
        if check is not None:
            found[key] = check
    precision = fields.choices("accelerate.Accelerator", versions, "mixed_precision")
    if precision:
        found["mixed_precision"] = FieldCheck("choice", accelerate.MIXED_PRECISION_ERROR,
                                              tuple(sorted(precision)), lower=True)
    return found


def _enum_check(canonical: str, versions: dict[str, str], key: str, error: str) -> FieldCheck | None:
    """The check of a field the class converts to the Enum its annotation names."""
    text = fields.annotation(canonical, versions, key)
    names = fields.choices(canonical, versions, key)
    enum = _enum_name(text) if text else None
    return FieldCheck("choice", error, tuple(sorted(names)), enum=enum) if names and enum else None


def _argparse_choices(annotation: str, names: frozenset[str]) -> tuple[str, ...]:
    """The `choices` HfArgumentParser gives a field's flag: it unwraps `Optional[X]` and
    `Union[X, str]` (two members) and sets choices for an Enum or a Literal; other shapes
    (`Union[list[Enum], str, None]`, `bool | Literal[...]`) get none."""
    try:
        node = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return ()
    members = _union_members(node)
    if members is not None:
        if len(members) != 2:
            return ()
        rest = [m for m in members if not _is_name(m, "None") and not _is_name(m, "str")]
        if len(rest) != 1:
            return ()
        node = rest[0]
    if isinstance(node, ast.Subscript) and _is_name(node.value, "Literal"):
        return tuple(sorted(names))
    if isinstance(node, ast.Name | ast.Attribute) and _enum_name(ast.unparse(node)):
        return tuple(sorted(names))
    return ()


def _union_members(node: ast.expr) -> list[ast.expr] | None:
    if isinstance(node, ast.Subscript) and _is_name(node.value, "Optional"):
        return [node.slice, ast.Constant(None)]
    if isinstance(node, ast.Subscript) and _is_name(node.value, "Union"):
        return list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*(_union_members(node.left) or [node.left]), *(_union_members(node.right) or [node.right])]
    return None


def _is_name(node: ast.expr, name: str) -> bool:
    if isinstance(node, ast.Constant) and node.value is None:
        return name == "None"
    return (isinstance(node, ast.Name) and node.id == name) or \
        (isinstance(node, ast.Attribute) and node.attr == name)


def _enum_name(annotation: str) -> str | None:
    """The Enum class an annotation names (`Union[SaveStrategy, str]` -> SaveStrategy)."""
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else \
            node.attr if isinstance(node, ast.Attribute) else None
        if name and name not in _TYPING and name[:1].isupper():
            return name
    return None
