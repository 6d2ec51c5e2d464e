"""SageMaker estimators as launchers.

`HuggingFace(entry_point="train.py", source_dir="./scripts", transformers_version="4.26",
pytorch_version="1.13", hyperparameters={"epochs": 3, ...})` in a notebook or script runs
`source_dir/entry_point` in a container whose transformers and torch are the versions named
(the `requirements.txt` of `source_dir` is installed on top), with each hyperparameter passed
as `--name value` (sagemaker-python-sdk `Framework`; sagemaker-training-toolkit `to_cmd_args`).
"""

from __future__ import annotations

import ast
import os.path
from dataclasses import dataclass, field

from peft_lint.extract.launcher import UNRESOLVED, LaunchCommand, ScriptArgument
from peft_lint.facts.model import Span

# Estimators whose container has transformers (HuggingFace) or only torch (PyTorch)
ESTIMATORS = frozenset({"HuggingFace", "PyTorch"})
VERSION_KEYWORDS = {"transformers_version": "transformers", "pytorch_version": "torch"}


@dataclass
class EstimatorLaunch:
    command: LaunchCommand
    versions: dict[str, str] = field(default_factory=dict)  # package -> version of the image


def estimator_launches(path: str, text: str) -> list[EstimatorLaunch]:
    """The estimators a Python text builds, as launch commands (never executed: read from the
    syntax tree; values must be literals or names bound to literals at module level)."""
    if "entry_point" not in text:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    constants = _module_literals(tree)
    launches: list[EstimatorLaunch] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node.func) in ESTIMATORS:
            launch = _launch(path, node, constants)
            if launch is not None:
                launches.append(launch)
    return launches


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _module_literals(tree: ast.Module) -> dict[str, object]:
    values: dict[str, object] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
                isinstance(statement.targets[0], ast.Name):
            try:
                values[statement.targets[0].id] = ast.literal_eval(statement.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                values.pop(statement.targets[0].id, None)
    return values


def _literal(node: ast.expr, constants: dict[str, object]) -> object:
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _launch(path: str, call: ast.Call, constants: dict[str, object]) -> EstimatorLaunch | None:
    keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
    entry_point = _literal(keywords["entry_point"], constants) if "entry_point" in keywords else None
    if not isinstance(entry_point, str) or not entry_point.endswith(".py"):
        return None
    source_dir = _literal(keywords["source_dir"], constants) if "source_dir" in keywords else None
    script = os.path.normpath(os.path.join(source_dir, entry_point)) if isinstance(source_dir, str) \
        else entry_point
    span = Span(path, call.lineno, call.col_offset + 1, call.end_lineno, (call.end_col_offset or 0) + 1)
    hyperparameters = _literal(keywords["hyperparameters"], constants) if "hyperparameters" in keywords \
        else {}
    arguments: list[ScriptArgument] = []
    if isinstance(hyperparameters, dict):
        for name, value in hyperparameters.items():
            arguments += [ScriptArgument(f"--{name}", span), ScriptArgument(str(value), span)]
    else:  # computed at run time: the script's flags are not known
        arguments.append(ScriptArgument(UNRESOLVED, span))
    versions: dict[str, str] = {}
    for keyword, package in VERSION_KEYWORDS.items():
        value = _literal(keywords[keyword], constants) if keyword in keywords else None
        if isinstance(value, str):
            versions[package] = value
    return EstimatorLaunch(LaunchCommand("sagemaker", span, script, arguments), versions)
