"""Generate src/peft_lint/knowledge/data/unsloth.json from the unsloth and unsloth_zoo wheels.

unsloth cannot be imported here (it needs a GPU), so this script downloads the pure-Python
wheels from PyPI with pip and reads them as text and with `ast`; nothing in them is imported
or executed. Per unsloth release it records:

* requires: the pins on transformers, trl, peft, accelerate, bitsandbytes, torch and
  unsloth_zoo from the wheel's METADATA, the base dependencies apart from those of each extra
  notebooks install with (`pip install "unsloth[colab-new]"`, ...);
* config_extra_fields: the fields the generated `Unsloth<Name>Config` adds on top of TRL's
  `<Name>Config` (built from the `RLTrainer_replacement` template in unsloth/models/rl.py),
  with the defaults Unsloth's `__init__` gives TRL's own fields;
* the signatures of `FastLanguageModel` / `FastModel` / `FastVisionModel` / `FastTextModel`
  `.from_pretrained` and `.get_peft_model`, and of the helpers get_peft_model prepares the model
  with (unsloth's `prepare_model_for_kbit_training`, unsloth_zoo's `prepare_model_for_training`).

    python scripts/gen_knowledge_unsloth.py                       # newest release of each month
    python scripts/gen_knowledge_unsloth.py --versions 2026.10.9  # just these releases
    python scripts/gen_knowledge_unsloth.py --wheels /tmp/unsloth-wheels --offline

Needs `packaging` (for the requirement markers); peft-lint itself only reads the JSON.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "peft_lint" / "knowledge" / "data" / "unsloth.json"
DEFAULT_WHEELS = Path("/tmp/unsloth-wheels")
FIRST_MONTH = (2024, 12)  # the newest 2024 release parses; older ones predate unsloth_zoo

# Packages whose pins are recorded (key in the JSON -> canonical distribution name).
TRACKED = {
    "transformers": "transformers", "trl": "trl", "peft": "peft", "accelerate": "accelerate",
    "bitsandbytes": "bitsandbytes", "torch": "torch", "unsloth_zoo": "unsloth-zoo",
}
# Extras notebooks install unsloth with.
EXTRAS = ("colab-new", "colab-no-deps", "huggingface")
# Markers other than `extra` are evaluated for a Colab-like machine.
MARKER_ENVIRONMENT = {
    "implementation_name": "cpython", "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_system": "Linux", "python_full_version": "3.12.0", "python_version": "3.12",
    "sys_platform": "linux", "os_name": "posix", "platform_release": "", "platform_version": "",
    "implementation_version": "3.12.0",
}

# TRL config class -> the trl.trainer module unsloth/models/rl.py rebuilds it from
# (`_patch_trl_rl_trainers(trainer_file)`; every `trl.trainer.*_trainer` module is patched).
CONFIG_TRAINER_FILES = {
    "SFTConfig": "sft_trainer", "GRPOConfig": "grpo_trainer", "DPOConfig": "dpo_trainer",
    "KTOConfig": "kto_trainer", "ORPOConfig": "orpo_trainer", "RewardConfig": "reward_trainer",
    "CPOConfig": "cpo_trainer", "PPOConfig": "ppo_trainer", "OnlineDPOConfig": "online_dpo_trainer",
    "GKDConfig": "gkd_trainer", "BCOConfig": "bco_trainer", "PRMConfig": "prm_trainer",
    "RLOOConfig": "rloo_trainer", "XPOConfig": "xpo_trainer", "NashMDConfig": "nash_md_trainer",
}
# Hand-read anchors: fields of the `class Unsloth{RLConfig_name}` template, read in unsloth 2026.10.9
# unsloth/models/rl.py:589-604 (vllm_sampling_params, unsloth_num_chunks at 2025.2.15 rl.py:125-132).
# Each must be extracted from every release at or after the one named, else the parser broke.
ANCHOR_FIELDS = {
    "vllm_sampling_params": "2025.2.15", "unsloth_num_chunks": "2025.2.15",
    "unsloth_logit_chunk_multiplier": "2026.1.4", "unsloth_grpo_mini_batch": "2026.1.4",
}
FAST_CLASSES = ("FastLanguageModel", "FastModel", "FastVisionModel", "FastTextModel")
FAST_METHODS = ("from_pretrained", "get_peft_model")


# ---------------------------------------------------------------------------------------------
# PyPI


def pip(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pip {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def released_versions(package: str, wheels: Path, offline: bool) -> list[str]:
    """Release versions on PyPI (`pip index versions`), or those of the wheels already in `wheels`."""
    if offline:
        stem = package.replace("-", "_")
        found = {path.name.split("-")[1] for path in wheels.glob(f"{stem}-*.whl")}
    else:
        text = pip("index", "versions", package)
        match = re.search(r"Available versions: (.*)", text)
        found = set(match.group(1).split(", ")) if match else set()
    return sorted((v.strip() for v in found if _is_release(v.strip())), key=Version)


def _is_release(version: str) -> bool:
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    return not parsed.is_prerelease and not parsed.is_postrelease and len(parsed.release) == 3


def newest_of_each_month(versions: list[str]) -> list[str]:
    newest: dict[tuple[int, int], str] = {}
    for version in versions:
        year, month = Version(version).release[:2]
        if (year, month) >= FIRST_MONTH:
            newest[(year, month)] = version  # versions are ascending
    return [newest[key] for key in sorted(newest)]


def wheel(package: str, version: str, wheels: Path, offline: bool) -> Path:
    stem = package.replace("-", "_")
    path = wheels / f"{stem}-{version}-py3-none-any.whl"
    if not path.is_file():
        if offline:
            raise SystemExit(f"{path} is missing (and --offline)")
        wheels.mkdir(parents=True, exist_ok=True)
        pip("download", "--no-deps", "--only-binary", ":all:", "-q", "-d", str(wheels),
            f"{package}=={version}")
    if not path.is_file():
        raise SystemExit(f"pip did not leave {path}")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def zoo_for(unsloth_version: str, specifier: str, zoo_versions: list[str]) -> str | None:
    """The unsloth_zoo release that went with an unsloth release: the newest one not newer than it
    (both are numbered by release date) that its pin allows, else the oldest one the pin allows."""
    allowed = [v for v in zoo_versions if Version(v) in SpecifierSet(specifier)]
    not_newer = [v for v in allowed if Version(v) <= Version(unsloth_version)]
    if not_newer:
        return not_newer[-1]
    return allowed[0] if allowed else None


# ---------------------------------------------------------------------------------------------
# Wheel contents


@dataclass
class Wheel:
    path: Path
    files: dict[str, str] = field(default_factory=dict)
    metadata: str = ""

    @classmethod
    def read(cls, path: Path, package_dir: str) -> Wheel:
        result = cls(path)
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith(f"{package_dir}/") and name.endswith(".py"):
                    result.files[name] = archive.read(name).decode("utf-8", errors="replace")
                elif name.endswith(".dist-info/METADATA"):
                    result.metadata = archive.read(name).decode("utf-8", errors="replace")
        return result

    def tree(self, name: str) -> ast.Module | None:
        text = self.files.get(name)
        if text is None:
            return None
        try:
            return ast.parse(text)
        except SyntaxError:
            return None


# ---------------------------------------------------------------------------------------------
# Requirements


def requirements(metadata: str) -> dict[str, Any]:
    """Base and per-extra pins of the tracked packages, markers evaluated for MARKER_ENVIRONMENT."""
    lines = [line[len("Requires-Dist:"):].strip() for line in metadata.splitlines()
             if line.startswith("Requires-Dist:")]
    parsed = [Requirement(line) for line in lines]
    base: dict[str, list[str]] = {}
    base_markers: dict[str, list[str]] = {}
    for req in parsed:
        if req.marker is not None and "extra" in str(req.marker):
            continue
        key = _tracked_key(req.name)
        if key is None:
            continue
        if req.marker is not None:
            base_markers.setdefault(key, []).append(f"{req.specifier}; {req.marker}")
            if not req.marker.evaluate(dict(MARKER_ENVIRONMENT, extra="")):
                continue
        base.setdefault(key, []).append(str(req.specifier))
    extras: dict[str, dict[str, str]] = {}
    for extra in EXTRAS:
        pins = _extra_pins(parsed, extra, seen=set())
        if pins is not None:
            extras[extra] = {key: join_specifiers(values) for key, values in sorted(pins.items())}
    result: dict[str, Any] = {
        "requires": {key: join_specifiers(values) for key, values in sorted(base.items())},
        "extras": extras,
    }
    if base_markers:
        result["requires_markers"] = {key: sorted(set(v)) for key, v in sorted(base_markers.items())}
    return result


def _tracked_key(name: str) -> str | None:
    canonical = canonicalize_name(name)
    return next((key for key, dist in TRACKED.items() if dist == canonical), None)


def _extra_pins(parsed: list[Requirement], extra: str, seen: set[str]) -> dict[str, list[str]] | None:
    """Pins an extra adds (following `unsloth[other]` inside it); None when there is no such extra."""
    if extra in seen:
        return {}
    seen.add(extra)
    mentioned = False
    pins: dict[str, list[str]] = {}
    for req in parsed:
        if req.marker is None or "extra" not in str(req.marker):
            continue
        if not req.marker.evaluate(dict(MARKER_ENVIRONMENT, extra=extra)):
            continue
        if not _marker_names_extra(req.marker, extra):
            continue
        mentioned = True
        if canonicalize_name(req.name) == "unsloth":
            for inner in sorted(req.extras):
                for key, values in (_extra_pins(parsed, inner, seen) or {}).items():
                    pins.setdefault(key, []).extend(values)
            continue
        tracked = _tracked_key(req.name)
        if tracked is not None:
            pins.setdefault(tracked, []).append(str(req.specifier))
    return pins if mentioned else None


def _marker_names_extra(marker: Marker, extra: str) -> bool:
    # evaluate() with extra="" is False for every `extra == ...` marker; this guards against a
    # marker like `extra != "x"` counting for every extra.
    return f'extra == "{extra}"' in str(marker)


def join_specifiers(values: list[str]) -> str:
    """One specifier string out of several (pip applies them all); empty means any version."""
    clauses: list[str] = []
    for value in values:
        for clause in (part.strip() for part in value.split(",")):
            if clause and clause not in clauses:
                clauses.append(clause)
    return str(SpecifierSet(",".join(clauses))) if clauses else ""


# ---------------------------------------------------------------------------------------------
# Literal values


def literal(node: ast.expr | None, constants: dict[str, Any] | None = None) -> Any:
    """A JSON value for a default: the literal, a module constant it names, or '<source>'."""
    if node is None:
        return "<required>"
    try:
        return _jsonable(ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.Name) and constants and node.id in constants:
        return constants[node.id]
    return f"<{ast.unparse(node)}>"


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    return repr(value)


def module_constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level `NAME = <literal>` assignments (the last one wins)."""
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = _jsonable(ast.literal_eval(node.value))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                constants.pop(node.targets[0].id, None)
    return constants


def signature(function: ast.FunctionDef, constants: dict[str, Any]) -> dict[str, Any]:
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    parameters: dict[str, Any] = {}
    for arg, default in zip(positional, defaults, strict=True):
        if arg.arg not in ("self", "cls"):
            parameters[arg.arg] = literal(default, constants)
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        parameters[arg.arg] = literal(kw_default, constants)
    return {"parameters": parameters, "var_keyword": args.kwarg is not None,
            "var_positional": args.vararg is not None}


# ---------------------------------------------------------------------------------------------
# FastLanguageModel & co.


class ClassIndex:
    """Top-level classes (and `A = B` aliases) of the unsloth.models modules, found by name."""

    PREFERRED = ("unsloth/models/loader.py", "unsloth/models/llama.py", "unsloth/models/vision.py")

    def __init__(self, source: Wheel) -> None:
        self.classes: dict[str, tuple[str, ast.ClassDef]] = {}
        self.aliases: dict[str, str] = {}
        self.constants: dict[str, dict[str, Any]] = {}
        names = sorted(n for n in source.files if n.startswith("unsloth/models/") and "mlx" not in n)
        ordered = [*[n for n in self.PREFERRED if n in names], *[n for n in names if n not in self.PREFERRED]]
        for name in ordered:
            tree = source.tree(name)
            if tree is None:
                continue
            self.constants[name] = module_constants(tree)
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    self.classes.setdefault(node.name, (name, node))
                elif (isinstance(node, ast.Assign) and len(node.targets) == 1
                      and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Name)):
                    self.aliases.setdefault(node.targets[0].id, node.value.id)

    def find(self, name: str) -> tuple[str, ast.ClassDef] | None:
        for _ in range(5):
            if name in self.classes:
                return self.classes[name]
            if name not in self.aliases:
                return None
            name = self.aliases[name]
        return None

    def method(self, class_name: str, method: str, depth: int = 0) -> tuple[str, ast.FunctionDef] | None:
        """The definition that gives the method its signature: through the bases, and through
        `(model, *args, **kwargs)` forwarders to the class they call (or `functools.wraps`)."""
        found = self.find(class_name)
        if found is None or depth > 8:
            return None
        module, node = found
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == method:
                target = _forwards_to(item, method) if _is_forwarder(item) else None
                if target is not None and target != node.name:
                    resolved = self.method(target, method, depth + 1)
                    if resolved is not None:
                        return resolved
                return module, item
        for base in node.bases:
            if isinstance(base, ast.Name):
                resolved = self.method(base.id, method, depth + 1)
                if resolved is not None:
                    return resolved
        return None


def _is_forwarder(function: ast.FunctionDef) -> bool:
    args = function.args
    named = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return args.vararg is not None and args.kwarg is not None and len(named) <= 1


def _forwards_to(function: ast.FunctionDef, method: str) -> str | None:
    for decorator in function.decorator_list:
        if (isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("wraps")
                and decorator.args and isinstance(decorator.args[0], ast.Attribute)
                and decorator.args[0].attr == method and isinstance(decorator.args[0].value, ast.Name)):
            return decorator.args[0].value.id
    # The function's own last `return X.method(...)`, not one inside an `if` (a special case).
    returns = [node for node in function.body if isinstance(node, ast.Return)]
    for node in reversed(returns):
        call = node.value
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == method
                and isinstance(call.func.value, ast.Name)):
            return call.func.value.id
    return None


def fast_classes(source: Wheel) -> dict[str, Any]:
    index = ClassIndex(source)
    result: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for class_name in FAST_CLASSES:
        if index.find(class_name) is None:
            continue
        entry: dict[str, Any] = {}
        for method in FAST_METHODS:
            resolved = index.method(class_name, method)
            if resolved is None:
                continue
            module, function = resolved
            info = signature(function, index.constants.get(module, {}))
            info["defined_at"] = f"{module}:{function.lineno}"
            entry[method] = info
        key = json.dumps(entry, sort_keys=True)
        if key in seen:  # FastVisionModel / FastTextModel are FastModel with another name
            result[class_name] = {"same_as": seen[key]}
        else:
            seen[key] = class_name
            result[class_name] = entry
    return result


def preparation(source: Wheel, zoo: Wheel | None) -> dict[str, Any]:
    """How get_peft_model prepares the model: unsloth's prepare_model_for_kbit_training (and what
    FastLlamaModel.patch_peft_model passes it), and unsloth_zoo's prepare_model_for_training."""
    result: dict[str, Any] = {}
    utils = source.tree("unsloth/models/_utils.py")
    if utils is not None:
        for node in utils.body:
            if isinstance(node, ast.FunctionDef) and node.name == "prepare_model_for_kbit_training":
                info = signature(node, {})
                info["defined_at"] = f"unsloth/models/_utils.py:{node.lineno}"
                forwarded = _call_keywords(node, "prepare_model_for_training")
                if forwarded is not None:
                    info["calls_prepare_model_for_training_with"] = forwarded
                result["prepare_model_for_kbit_training"] = info
    index = ClassIndex(source)
    patched = index.method("FastLlamaModel", "patch_peft_model")
    if patched is not None:
        module, function = patched
        keywords = _call_keywords(function, "prepare_model_for_kbit_training")
        if keywords is not None:
            result["patch_peft_model_calls_prepare_model_for_kbit_training_with"] = keywords
            result["patch_peft_model_defined_at"] = f"{module}:{function.lineno}"
    if zoo is not None:
        for name in sorted(zoo.files):
            tree = zoo.tree(name)
            if tree is None or "def prepare_model_for_training" not in zoo.files[name]:
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.name == "prepare_model_for_training":
                    info = signature(node, {})
                    info["defined_at"] = f"{name}:{node.lineno}"
                    result["unsloth_zoo_prepare_model_for_training"] = info
    return result


def _call_keywords(function: ast.FunctionDef, callee: str) -> dict[str, Any] | None:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == callee:
            return {kw.arg: literal(kw.value) for kw in node.keywords if kw.arg is not None}
    return None


# ---------------------------------------------------------------------------------------------
# Unsloth<Name>Config (unsloth/models/rl.py)


PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Event:
    """Something the config part of `_patch_trl_rl_trainers` does, under the `if`s around it."""

    kind: str  # "fields" | "override" | "pop"
    conditions: list[tuple[ast.expr, bool]]
    fields: dict[str, Any] = field(default_factory=dict)


def rl_template(tree: ast.Module) -> str | None:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "RLTrainer_replacement"
                                                 for t in node.targets)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    return None


def _unformat(text: str) -> str:
    """Template text with its placeholders removed and `{{`/`}}` back to braces."""
    text = PLACEHOLDER.sub("", text)
    return text.replace("{{", "{").replace("}}", "}")


def _class_fields(body: str) -> dict[str, Any]:
    """Annotated `name : T = field(default = ...)` (or `= value`) members of a class body."""
    try:
        tree = ast.parse("class _C:\n" + textwrap.indent(textwrap.dedent(body), "    ") + "\n    pass\n")
    except SyntaxError:
        return {}
    result: dict[str, Any] = {}
    for node in tree.body[0].body:  # type: ignore[attr-defined]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            value = node.value
            if isinstance(value, ast.Call) and ast.unparse(value.func).endswith("field"):
                keywords = {kw.arg: kw.value for kw in value.keywords}
                result[node.target.id] = literal(keywords["default"]) if "default" in keywords else (
                    "<default_factory>" if "default_factory" in keywords else "<required>")
            else:
                result[node.target.id] = literal(value)
    return result


def _parameters(text: str) -> dict[str, Any]:
    """`name = default,` parameter text (as in a def's parentheses)."""
    text = text.strip().rstrip(",")
    if not text:
        return {}
    try:
        tree = ast.parse(f"def _f(*, {text}): pass")
    except SyntaxError:
        return {}
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    return {arg.arg: literal(default) for arg, default in zip(function.args.kwonlyargs,
                                                               function.args.kw_defaults, strict=True)}


def config_template(template: str) -> tuple[dict[str, Any], list[str]]:
    """Fields the `class Unsloth{RLConfig_name}` template always adds, and the placeholders in it
    that conditional code fills (`{max_seq_length_pre}`, ...)."""
    start = template.find("class Unsloth{RLConfig_name}")
    if start < 0:
        return {}, []
    init = template.find("def __init__({RLConfig_arguments},", start)
    end = template.find("**kwargs", init)
    if init < 0 or end < 0:
        return {}, []
    header_end = template.find("\n", start) + 1
    body = template[header_end:init]
    fields_found = _class_fields(_unformat(body))
    params_text = template[init + len("def __init__({RLConfig_arguments},"):end]
    for name, default in _parameters(_unformat(params_text)).items():
        fields_found.setdefault(name, default)
    placeholders = [p for p in PLACEHOLDER.findall(body + params_text)
                    if not p.startswith("__") and not p.startswith("RLConfig")]
    return fields_found, placeholders


def _string_value(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "None"
                       for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_value(node.left), _string_value(node.right)
        return None if left is None or right is None else left + right
    return None


def _patch_function(tree: ast.Module) -> ast.FunctionDef | None:
    """The function that fills the template (`RLTrainer_replacement.format(...)`)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr == "format" and isinstance(inner.func.value, ast.Name)
                        and inner.func.value.id == "RLTrainer_replacement"):
                    return node
    return None


def _config_part_start(function: ast.FunctionDef) -> int:
    """Line of `arguments, call_args = processed[1]`: what follows builds the config class."""
    for node in ast.walk(function):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript)
                and ast.unparse(node.value) == "processed[1]"):
            return node.lineno
    return 0


def config_events(function: ast.FunctionDef, placeholders: list[str]) -> list[Event]:
    start = _config_part_start(function)
    events: list[Event] = []

    def visit(statements: list[ast.stmt], conditions: list[tuple[ast.expr, bool]]) -> None:
        for node in statements:
            if isinstance(node, ast.If):
                visit(node.body, [*conditions, (node.test, True)])
                visit(node.orelse, [*conditions, (node.test, False)])
                continue
            if isinstance(node, ast.For | ast.While | ast.With | ast.Try):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []), conditions)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body, conditions)
                continue
            event = _event(node, placeholders)
            if event is not None and node.lineno > start:
                event.conditions = conditions
                events.append(event)

    visit(function.body, [])
    return events


def _event(node: ast.stmt, placeholders: list[str]) -> Event | None:
    target: ast.expr | None = None
    value: ast.expr | None = None
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AugAssign):
        target, value = node.target, node.value
    if isinstance(target, ast.Name) and target.id in placeholders and value is not None:
        text = _string_value(value)
        if text is None:
            return None
        if target.id.endswith("_call"):
            found = _parameters(text.replace("\n", " "))
        else:
            found = _class_fields(text)
        return Event("fields", [], found) if found else None
    if isinstance(target, ast.Name) and target.id == "replacements" and isinstance(value, ast.Dict):
        overrides = {k.value: literal(v) for k, v in zip(value.keys, value.values, strict=True)
                     if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        return Event("override", [], overrides)
    if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
            and target.value.id == "replacements" and isinstance(target.slice, ast.Constant)
            and value is not None):
        return Event("override", [], {str(target.slice.value): literal(value)})
    if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "pop"
            and ast.unparse(node.value.func.value) == "replacements" and node.value.args
            and isinstance(node.value.args[0], ast.Constant)):
        return Event("pop", [], {str(node.value.args[0].value): None})
    return None


UNKNOWN = None


def _truth(node: ast.expr, trainer_file: str, name: str) -> bool | None:
    """Three-valued truth of a condition for one trainer module and one field name: True,
    False, or None when it depends on something else (the installed TRL or transformers)."""
    if isinstance(node, ast.BoolOp):
        values = [_truth(v, trainer_file, name) for v in node.values]
        if isinstance(node.op, ast.And):
            return False if False in values else (True if all(v is True for v in values) else UNKNOWN)
        return True if True in values else (False if all(v is False for v in values) else UNKNOWN)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(node.operand, trainer_file, name)
        return None if inner is None else not inner
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(left, ast.Name) and left.id == "trainer_file":
            try:
                value = ast.literal_eval(right)
            except ValueError:
                return UNKNOWN
            if isinstance(op, ast.Eq):
                return trainer_file == value
            if isinstance(op, ast.NotEq):
                return trainer_file != value
            if isinstance(op, ast.In):
                return trainer_file in value
            if isinstance(op, ast.NotIn):
                return trainer_file not in value
        if (isinstance(left, ast.Constant) and isinstance(left.value, str) and isinstance(right, ast.Name)
                and right.id == "call_args" and isinstance(op, ast.In | ast.NotIn)
                and left.value.strip() == name):
            # Whether TRL's config has the very name added or overridden: accepted either way, and an
            # override of a field TRL lacks changes nothing.
            return True
    return UNKNOWN


def _residual(conditions: list[tuple[ast.expr, bool]], trainer_file: str, name: str) -> list[str] | None:
    """The conditions left once the trainer is known: None if they exclude it, [] if none are left."""
    left: list[str] = []
    for test, polarity in conditions:
        parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and polarity \
            else [test]
        for part in parts:
            value = _truth(part, trainer_file, name)
            if value is not None:
                if value != polarity:
                    return None
                continue
            left.append(_describe(part, polarity))
    return left


def _describe(node: ast.expr, polarity: bool) -> str:
    if (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Constant)
            and isinstance(node.comparators[0], ast.Name) and node.comparators[0].id == "call_args"
            and isinstance(node.ops[0], ast.In | ast.NotIn)):
        has = isinstance(node.ops[0], ast.In) == polarity
        return f"trl_{'has' if has else 'lacks'}:{str(node.left.value).strip()}"
    text = ast.unparse(node)
    return text if polarity else f"not ({text})"


def config_knowledge(source: Wheel) -> dict[str, Any]:
    tree = source.tree("unsloth/models/rl.py")
    template = rl_template(tree) if tree is not None else None
    if tree is None or template is None:
        return {}
    common, placeholders = config_template(template)
    function = _patch_function(tree)
    events = config_events(function, placeholders) if function is not None else []
    per_class: dict[str, dict[str, dict[str, Any]]] = {}
    for config_name, trainer_file in CONFIG_TRAINER_FILES.items():
        fields_here = dict(common)
        maybe: dict[str, Any] = {}
        applied: dict[str, Any] = {}
        maybe_applied: dict[str, Any] = {}
        for event in events:
            for name, value in event.fields.items():
                left = _residual(event.conditions, trainer_file, name)
                if left is None:
                    continue
                if event.kind == "fields":
                    if left:
                        maybe.setdefault(name, {"default": value, "when": left})
                    else:
                        fields_here.setdefault(name, value)
                elif event.kind == "override":
                    if left:
                        maybe_applied[name] = {"default": value, "when": left}
                    else:
                        applied[name] = value
                elif event.kind == "pop" and not left:
                    applied.pop(name, None)
        for name in list(maybe):
            if name in fields_here:
                del maybe[name]
        per_class[config_name] = {
            "fields": fields_here, "conditional_fields": maybe,
            "default_overrides": applied, "conditional_default_overrides": maybe_applied,
        }
    template_line = next((n.lineno for n in tree.body if isinstance(n, ast.Assign)
                          and any(isinstance(t, ast.Name) and t.id == "RLTrainer_replacement"
                                  for t in n.targets)), 0)
    result: dict[str, Any] = {
        "template_at": f"unsloth/models/rl.py:{template_line}",
        "patched_at_import": patched_at_import(source),
        **_split_common(per_class),
    }
    compat = kwargs_filter(source)
    if compat is not None:
        result["kwargs_filter"] = compat
    return {"config": result}


def _split_common(per_class: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """What every config class gets (`common`) and, per class, only what differs from it
    (`not_overridden` lists the common default overrides a class does not get)."""
    common: dict[str, dict[str, Any]] = {}
    for part in ("fields", "conditional_fields", "default_overrides", "conditional_default_overrides"):
        tables = [entry[part] for entry in per_class.values()]
        common[part] = {key: value for key, value in sorted(tables[0].items())
                        if all(key in t and t[key] == value for t in tables)}
    classes: dict[str, dict[str, Any]] = {}
    for name, entry in per_class.items():
        own: dict[str, Any] = {}
        for part, table in entry.items():
            rest = {k: v for k, v in sorted(table.items()) if k not in common[part]}
            if rest:
                own[part] = rest
        missing = sorted(k for k in common["default_overrides"] if k not in entry["default_overrides"])
        if missing:
            own["not_overridden"] = missing
        if own:
            classes[name] = own
    return {"common": common, "classes": dict(sorted(classes.items()))}


def patched_at_import(source: Wheel) -> bool:
    """Whether importing unsloth runs PatchFastRL (a module-level call in unsloth.models)."""
    for name in source.files:
        if not name.startswith("unsloth/models/"):
            continue
        tree = source.tree(name)
        if tree is None:
            continue
        for node in tree.body:
            if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                    and ast.unparse(node.value.func) in ("PatchFastRL", "patch_trl_rl_trainers")):
                return True
    return False


def kwargs_filter(source: Wheel) -> dict[str, Any] | None:
    """unsloth/models/rl_config_compat.py (2026.8+): what Unsloth<Name>Config does with an argument
    the installed TRL config does not take (rename, drop with advice, drop with a warning)."""
    tree = source.tree("unsloth/models/rl_config_compat.py")
    if tree is None:
        return None
    constants = module_constants(tree)
    renames = {**constants.get("TRANSFORMERS_CONFIG_RENAMES", {}), **constants.get("TRL_CONFIG_RENAMES", {})}
    removed = sorted({*constants.get("TRL_REMOVED_FIELD_ADVICE", {}),
                      *constants.get("TRANSFORMERS_REMOVED_FIELD_ADVICE", {})})
    rl_text = source.files.get("unsloth/models/rl.py", "")
    return {
        "defined_at": "unsloth/models/rl_config_compat.py",
        "used_by_template": "_unsloth_filter_config_init_kwargs" in rl_text,
        "unknown": "dropped with a printed warning",
        "renames": dict(sorted(renames.items())),
        "removed_with_advice": removed,
    }


def training_arguments(source: Wheel) -> dict[str, Any]:
    """Fields unsloth.UnslothTrainingArguments adds to the TrainingArguments/SFTConfig it subclasses."""
    tree = source.tree("unsloth/trainer.py")
    if tree is None:
        return {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "UnslothTrainingArguments":
            found: dict[str, Any] = {}
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    found.update(_class_fields(ast.unparse(item)))
                elif isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    for name, value in signature(item, {})["parameters"].items():
                        found.setdefault(name, value)
            return {"UnslothTrainingArguments": dict(sorted(found.items())),
                    "defined_at": f"unsloth/trainer.py:{node.lineno}"}
    return {}


# ---------------------------------------------------------------------------------------------


def check_anchors(version: str, entry: dict[str, Any], source: Wheel) -> None:
    """The hand-read ANCHOR_FIELDS must have been extracted, and every extracted name must
    appear in the release's rl.py (a parser that invents names fails here)."""
    config = entry.get("config")
    if config is None:
        if Version(version) >= Version(min(ANCHOR_FIELDS.values(), key=Version)):
            raise SystemExit(f"unsloth {version}: no Unsloth<Name>Config template found in rl.py")
        return
    common = config["common"]["fields"]
    rl_text = source.files.get("unsloth/models/rl.py", "")
    for name, since in ANCHOR_FIELDS.items():
        if Version(version) >= Version(since) and name not in common:
            raise SystemExit(f"unsloth {version}: anchor field {name!r} not extracted from rl.py")
    names = set(common) | set(config["common"]["conditional_fields"])
    for own in config["classes"].values():
        names |= set(own.get("fields", {})) | set(own.get("conditional_fields", {}))
    for name in names:
        if not re.search(rf"\b{re.escape(name)}\b", rl_text):
            raise SystemExit(f"unsloth {version}: extracted field {name!r} is not in rl.py's text")


def read_release(version: str, wheels: Path, zoo_versions: list[str], offline: bool) -> dict[str, Any]:
    path = wheel("unsloth", version, wheels, offline)
    source = Wheel.read(path, "unsloth")
    entry: dict[str, Any] = {"wheel_sha256": sha256(path)}
    entry.update(requirements(source.metadata))
    zoo_pin = (entry["requires"].get("unsloth_zoo")
               or entry["extras"].get("huggingface", {}).get("unsloth_zoo"))
    zoo: Wheel | None = None
    if zoo_pin is not None:
        zoo_version = zoo_for(version, zoo_pin, zoo_versions)
        if zoo_version is not None:
            zoo_path = wheel("unsloth_zoo", zoo_version, wheels, offline)
            zoo = Wheel.read(zoo_path, "unsloth_zoo")
            entry["unsloth_zoo_read"] = {"version": zoo_version, "wheel_sha256": sha256(zoo_path)}
    entry.update(config_knowledge(source))
    entry["training_arguments_extra_fields"] = training_arguments(source)
    entry["fast_classes"] = fast_classes(source)
    entry["peft_preparation"] = preparation(source, zoo)
    check_anchors(version, entry, source)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", nargs="*",
                        help="unsloth releases to read (default: the newest of each month)")
    parser.add_argument("--wheels", type=Path, default=DEFAULT_WHEELS, help="where the wheels are downloaded")
    parser.add_argument("--offline", action="store_true", help="use only the wheels already in --wheels")
    parser.add_argument("--out", type=Path, default=OUT)
    options = parser.parse_args(argv)
    zoo_versions = released_versions("unsloth_zoo", options.wheels, options.offline)
    versions = options.versions or newest_of_each_month(
        released_versions("unsloth", options.wheels, options.offline))
    document: dict[str, Any] = {
        "package": "unsloth",
        "generated_by": "scripts/gen_knowledge_unsloth.py",
        "generated_from": "unsloth and unsloth_zoo wheels from PyPI, read as text and with ast "
                          "(never imported)",
        "selection": ("explicit --versions" if options.versions
                      else "newest release of each month since 2024-12"),
        "marker_environment": MARKER_ENVIRONMENT,
        "extras_recorded": list(EXTRAS),
        "config_classes": dict(sorted(CONFIG_TRAINER_FILES.items())),
        "versions": {},
    }
    for version in sorted(versions, key=Version):
        document["versions"][version] = read_release(version, options.wheels, zoo_versions, options.offline)
        print(f"read unsloth {version}")
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {options.out} ({options.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
