"""Generate the field tables peft-lint reads (TrainingArguments, SFTConfig, LoraConfig, ...).

peft-lint itself never imports the libraries: it reads the JSON files this script writes into
src/peft_lint/knowledge/data/, one per library release, each stamped with the package, the
version and how it was generated.

Two modes.

Static, from the released wheels (the field tables: transformers, peft, trl, accelerate) and,
for DeepSpeed, which publishes no wheel, from its source archives (its pydantic config models):

    python scripts/gen_knowledge.py --from-wheels                    # every default range (the data)
    python scripts/gen_knowledge.py --from-wheels transformers 4.30:5.24 trl 0.7:1.16
    python scripts/gen_knowledge.py --from-wheels trl 0.8            # one minor, all its patches
    python scripts/gen_knowledge.py --from-wheels peft 0.8.2         # one exact release
    python scripts/gen_knowledge.py --from-wheels --newest-only      # newest patches only (quick)
    python scripts/gen_knowledge.py --compare-patches transformers 4.41 trl 0.8  # patch check

A range `A.B:C.D` means every minor release from A.B to C.D that PyPI lists (final releases).
Every patch of a minor is read; a minor whose patches give the same tables is written once, as
its newest patch (4.30 -> transformers-4.30.2.json); one whose patches differ is written at its
first patch and at each patch that changed something (trl 0.7.x, 0.8.x), and other files of that
minor are removed. Each wheel is fetched with `pip download --no-deps` into --wheels (a cache;
default /tmp/peft-lint-wheels; all patches of the default ranges are 308 wheels, 1.4 GB)
and its source is read with `ast` from inside the zip, never imported (old releases do not
import with today's torch and huggingface_hub). The extraction follows Python's rules:

- a class resolves through its module's bindings: class statements, `X = Y` aliases,
  `from .m import X [as Y]`, `import`, star imports, and the lazy `_import_structure` tables of
  transformers/trl `__init__` files; an `if` body wins over its `else`, a `try` body over its
  `except` handlers (dummy objects);
- the accepted keywords are those of the `__init__` that a call runs: the first class of the
  MRO that defines `__init__` (its parameters, and `"var_kwargs": true` when it takes
  `**kwargs`, i.e. accepts any key) or is a `@dataclass` (init not False), whose fields are the
  annotated assignments of every dataclass in its MRO, later ones overriding earlier ones;
  `ClassVar` annotations are not fields, and `field(init=False)` fields are not keywords (they
  are left out of "fields" and listed under "not_init");
- a base class from ANOTHER package is not read here: transformers' TrainingArguments (and
  Seq2SeqTrainingArguments) becomes `"bases": ["transformers.TrainingArguments"]`, which the
  loader (peft_lint.knowledge.fields) composes with the table of the resolved transformers
  version, own fields overriding the base's defaults; any other foreign base (PushToHubMixin,
  ABC, ...) is taken to add no keywords and is listed under "ignored_bases".

A pydantic model (a class whose bases reach pydantic's BaseModel: DeepSpeed's config sections)
is read as pydantic builds it: its fields are the annotated assignments of its classes (not
private names, `model_config` or ClassVar), with `Field(default, alias=..., gt/ge/lt/le=...)`
giving "aliases" and "bounds", the Enum values its annotations name kept as typed values in
the class's order ("choices": [0, 1, 2, 3, 3]), and `extra="forbid"` (`model_config` or a v1
`class Config`) as "extra", and which of the two it is as "api" ("v1": DeepSpeed before it
moved to pydantic 2's API, whose messages differ); such an entry says `"model": "pydantic"`.

Defaults: str, int, float, bool and None literals as values (also a module constant or an
arithmetic of number literals); a container literal or a `default_factory` (list, dict, a lambda
returning a literal) as its repr ("[]", "{}", "['sigmoid']"), as the import-based tables did;
anything else as a marker "<source text>"; "<required>" when there is no default. Strings that
start with "<" are never taken as a value by the loader.

Import-based, from the installed packages: the module-name tables modules-*.json (model
instantiated on the meta device), and field tables for an installed version that has no static
table yet (an existing --from-wheels table is kept; write elsewhere with --out to compare):

    python scripts/gen_knowledge.py                       # the installed versions
    .venv-repro-4x/bin/python scripts/gen_knowledge.py    # the transformers 4.x line
    python scripts/gen_knowledge.py --out /tmp/imported   # cross-check the static tables

An imported TRL config holds TrainingArguments' fields at the installed transformers version
(no "bases"), so prefer the static tables, which compose with the resolved version.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import importlib
import inspect
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "peft_lint" / "knowledge" / "data"
GENERATED_BY = "scripts/gen_knowledge.py"
CLASSES = {
    "transformers": ["TrainingArguments", "Seq2SeqTrainingArguments", "BitsAndBytesConfig"],
    "peft": ["LoraConfig", "AdaLoraConfig"],
    "trl": ["SFTConfig", "DPOConfig", "GRPOConfig", "KTOConfig", "ORPOConfig", "RewardConfig"],
}
# The static mode's classes: a name exported by the package, or "module.path:Name".
STATIC_CLASSES = {
    "transformers": ["TrainingArguments", "Seq2SeqTrainingArguments", "BitsAndBytesConfig",
                     "Trainer", "Seq2SeqTrainer"],
    "peft": ["LoraConfig", "AdaLoraConfig", "IA3Config", "LoHaConfig", "LoKrConfig", "OFTConfig",
             "BOFTConfig", "VeraConfig", "PromptTuningConfig", "PrefixTuningConfig",
             "PromptEncoderConfig"],
    "trl": ["SFTConfig", "DPOConfig", "GRPOConfig", "KTOConfig", "ORPOConfig", "RewardConfig",
            "CPOConfig", "PPOConfig", "ModelConfig", "ScriptArguments",
            # the trainers: what their constructors accept (removed/renamed keywords)
            "SFTTrainer", "DPOTrainer", "GRPOTrainer", "KTOTrainer", "ORPOTrainer", "RewardTrainer",
            "CPOTrainer", "PPOTrainer"],
    "accelerate": ["accelerate.commands.config.config_args:ClusterConfig",
                   "accelerate.commands.config.config_args:BaseConfig",
                   "accelerate.commands.config.config_args:SageMakerConfig", "Accelerator"],
    # DeepSpeed's pydantic config models (the sections of a DeepSpeed JSON it validates)
    "deepspeed": ["deepspeed.runtime.zero.config:DeepSpeedZeroConfig",
                  "deepspeed.runtime.zero.offload_config:DeepSpeedZeroOffloadParamConfig",
                  "deepspeed.runtime.zero.offload_config:DeepSpeedZeroOffloadOptimizerConfig",
                  "deepspeed.runtime.precision_config:DeepSpeedBF16Config",
                  "deepspeed.runtime.precision_config:DeepSpeedFP16Config"],
}
DEFAULT_RANGES = {"transformers": "4.30:5.24", "peft": "0.4:0.21", "trl": "0.7:1.16",
                  "accelerate": "0.20:1.15", "deepspeed": "0.14:0.19"}
# Packages whose top-level exports are recorded ("exports": what `from <package> import X` finds)
EXPORTING = {"trl", "peft"}
# Packages published as a source archive only (no wheel): read from the sdist
SDIST_ONLY = {"deepspeed"}
# Foreign bases whose fields the loader composes from their own package's table.
COMPOSED_BASES = {"transformers.TrainingArguments", "transformers.Seq2SeqTrainingArguments"}
WHEELS = Path("/tmp/peft-lint-wheels")


# -- import-based mode ---------------------------------------------------------------------

def _default(value: object) -> object:
    if value is dataclasses.MISSING:
        return "<required>"
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return repr(value)


def _init_provider(cls: type) -> type:
    """The class of the MRO whose __init__ a call runs."""
    return next((k for k in cls.__mro__ if "__init__" in vars(k)), object)


def _generated_init(cls: type) -> bool:
    """Whether cls's own __init__ was written by @dataclass (not in its module's source)."""
    code = getattr(vars(cls).get("__init__"), "__code__", None)
    module = sys.modules.get(cls.__module__)
    return code is not None and code.co_filename != getattr(module, "__file__", None)


def fields_of(cls: type) -> dict[str, object]:
    """The keywords a class accepts, from the imported class (init=False fields left out)."""
    provider = _init_provider(cls)
    if dataclasses.is_dataclass(provider) and _generated_init(provider):
        result: dict[str, object] = {}
        for field in dataclasses.fields(provider):
            if not field.init:
                continue
            default = field.default
            if default is dataclasses.MISSING and field.default_factory is not dataclasses.MISSING:
                default = repr(field.default_factory())
            result[field.name] = _default(default)
        return result
    parameters = inspect.signature(cls).parameters
    return {name: _default(p.default if p.default is not inspect.Parameter.empty else dataclasses.MISSING)
            for name, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _entry_of(cls: type) -> dict[str, object]:
    entry: dict[str, object] = {"fields": fields_of(cls)}
    if any(p.kind is p.VAR_KEYWORD for p in inspect.signature(cls).parameters.values()):
        entry["var_kwargs"] = True
    return entry


# Architectures people fine-tune most, by model_type.
MODEL_TYPES = [
    "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma", "gemma2",
    "gemma3_text", "gemma3", "phi", "phi3", "gpt2", "gpt_neox", "falcon", "opt", "bloom", "t5", "bart",
    "bert", "roberta", "deberta-v2", "vit", "clip", "siglip", "dinov2", "whisper", "llava", "mllama",
    "idefics2", "starcoder2", "gpt_oss", "olmo2", "granite", "cohere", "deepseek_v3", "mistral3",
    "qwen2_vl", "qwen2_5_vl", "gptj", "gpt_bigcode", "stablelm",
]


def module_names() -> dict[str, object]:
    """Module names per model_type, from tiny configs instantiated on the meta device."""
    import torch
    import transformers

    table: dict[str, object] = {}
    for model_type in MODEL_TYPES:
        try:
            config = transformers.AutoConfig.for_model(model_type)
        except (KeyError, ValueError):
            continue
        classes: list[str] = []
        names: set[str] = set()
        for auto in (transformers.AutoModelForCausalLM, transformers.AutoModel):
            try:
                with torch.device("meta"):
                    model = auto.from_config(config)
            except (ValueError, KeyError, TypeError, RuntimeError, AttributeError):
                continue
            classes.append(type(model).__name__)
            names |= {name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                      if name and not list(module.children())}
        if names:
            table[model_type] = {"classes": sorted(set(classes)), "modules": sorted(names)}
    return table


def _write(document: dict[str, object], name: str, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def import_mode(out: Path) -> int:
    try:
        import transformers

        version = transformers.__version__.split("+")[0]
        document: dict[str, object] = {"package": "transformers", "version": version,
                                       "generated_by": GENERATED_BY, "model_types": module_names()}
        print(f"wrote {_write(document, f'modules-{version}.json', out).name}")
    except ImportError:
        print("skip module names: transformers not installed")
    for package, names in CLASSES.items():
        try:
            module = importlib.import_module(package)
        except ImportError:
            print(f"skip {package}: not installed")
            continue
        version = module.__version__.split("+")[0]
        target = out / f"{package}-{version}.json"
        if target.is_file() and "--from-wheels" in json.loads(target.read_text(encoding="utf-8")).get(
                "generated_by", ""):
            print(f"keep {target.name}: read from the wheel (--from-wheels); not replaced by an import")
            continue
        classes = {name: _entry_of(getattr(module, name)) for name in names if hasattr(module, name)}
        document = {"package": package, "version": version, "format": 2,
                    "generated_by": f"{GENERATED_BY} (import)", "classes": classes}
        print(f"wrote {_write(document, f'{package}-{version}.json', out).name}")
    return 0


# -- static mode: wheels from PyPI ----------------------------------------------------------

def release_key(version: str) -> tuple[int, ...]:
    """The release numbers of a version (packaging's reading: `4.57` is 4.57.0)."""
    from packaging.version import Version

    return Version(version).release


def _is_final(version: str) -> bool:
    """A final release: no pre-, post-, dev- or local part (what the tables are read from)."""
    from packaging.version import InvalidVersion, Version

    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    return str(parsed) == version and not (parsed.is_prerelease or parsed.is_postrelease or parsed.local)


def pypi_versions(package: str) -> list[str]:
    """The final releases PyPI lists for a package (pip's own client), oldest first."""
    result = subprocess.run([sys.executable, "-m", "pip", "index", "versions", package],
                            capture_output=True, text=True, check=False)
    match = re.search(r"Available versions:\s*(.+)", result.stdout)
    if match is None:  # older pip: the error message lists them
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", "/tmp",
                                 f"{package}==0.0.0.dev0"], capture_output=True, text=True, check=False)
        match = re.search(r"\(from versions:\s*([^)]*)\)", result.stderr)
    if match is None:
        raise SystemExit(f"cannot list the releases of {package}: {result.stderr.strip()[-300:]}")
    versions = [v.strip() for v in match.group(1).split(",")]
    return sorted((v for v in versions if _is_final(v)), key=release_key)


def newest_patches(package: str, spec: str, available: list[str]) -> list[str]:
    """The newest patch of every minor release in spec ("4.30:5.24", "4.41" or "4.41.2")."""
    if ":" in spec:
        low, high = (release_key(part)[:2] for part in spec.split(":", 1))
        minors: dict[tuple[int, ...], str] = {}
        for version in available:
            minor = release_key(version)[:2]
            if low <= minor <= high:
                minors[minor] = version  # available is sorted: the last one is the newest
        return [minors[minor] for minor in sorted(minors)]
    if spec.count(".") >= 2:
        return [spec]
    wanted = release_key(spec)[:2]
    found = [version for version in available if release_key(version)[:2] == wanted]
    if not found:
        raise SystemExit(f"{package} {spec}: no such release on PyPI")
    return [found[-1]]


def wheel_path(package: str, version: str, wheels: Path) -> Path:
    """The release's wheel (or source archive, for SDIST_ONLY packages), downloaded into the
    cache when it is not there yet."""
    sdist = package in SDIST_ONLY
    pattern = f"{package}-{version}.tar.gz" if sdist else f"{package.replace('-', '_')}-{version}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        wheels.mkdir(parents=True, exist_ok=True)
        kind = ["--no-binary=:all:", "--no-build-isolation"] if sdist else ["--only-binary=:all:"]
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *kind,
                        "--ignore-requires-python", "-d", str(wheels), f"{package}=={version}"],
                       check=True)
        found = sorted(wheels.glob(pattern))
    if not found:
        raise SystemExit(f"no wheel for {package} {version}")
    return found[0]


class Source:
    """One release's Python modules, read from its wheel or source archive (never imported)."""

    def __init__(self, package: str, wheel: Path) -> None:
        self.package = package
        self.files: dict[str, str] = {}
        self.packages: set[str] = set()
        for name, read in _archive_members(wheel):
            if not name.endswith(".py") or not name.startswith(f"{package}/"):
                continue
            parts = name[:-3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
                self.packages.add(".".join(parts))
            self.files[".".join(parts)] = read().decode("utf-8", errors="replace")
        self._trees: dict[str, ast.Module | None] = {}

    def tree(self, module: str) -> ast.Module | None:
        if module not in self._trees:
            text = self.files.get(module)
            try:
                self._trees[module] = ast.parse(text) if text is not None else None
            except SyntaxError:
                self._trees[module] = None
        return self._trees[module]

    def absolute(self, module: str, level: int, target: str | None) -> str:
        """The absolute module name of `from <level dots><target> import ...` inside module."""
        if level == 0:
            return target or ""
        base = module.split(".") if module in self.packages else module.split(".")[:-1]
        base = base[:len(base) - (level - 1)] if level > 1 else base
        return ".".join(base + ([target] if target else []))


def _archive_members(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """(name inside the package tree, reader) of a wheel's files, or of a source archive's
    (whose names lose their `<package>-<version>/` folder)."""
    if path.name.endswith(".tar.gz"):
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member) if member.isfile() else None
                if handle is not None:
                    yield member.name.split("/", 1)[-1], handle.read
        return
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            yield name, functools.partial(archive.read, name)


# A resolved reference: a class statement, a module, or something in another package.
@dataclasses.dataclass(frozen=True)
class ClassRef:
    module: str
    name: str
    node: ast.ClassDef = dataclasses.field(compare=False, hash=False, repr=False)


@dataclasses.dataclass(frozen=True)
class ModuleRef:
    module: str


@dataclasses.dataclass(frozen=True)
class Foreign:
    qualified: str  # "transformers.training_args.TrainingArguments"


Ref = ClassRef | ModuleRef | Foreign


def _statements(body: list[ast.stmt], rank: int = 0) -> Iterator[tuple[int, ast.stmt]]:
    """Module-level statements with a rank: 0 plain, 1 an `else` branch, 2 an `except` handler."""
    for statement in body:
        if isinstance(statement, ast.If):
            yield from _statements(statement.body, rank)
            yield from _statements(statement.orelse, max(rank, 1))
        elif isinstance(statement, ast.With):
            yield from _statements(statement.body, rank)
        elif isinstance(statement, ast.Try):
            yield from _statements(statement.body + statement.orelse + statement.finalbody, rank)
            for handler in statement.handlers:
                yield from _statements(handler.body, 2)
        else:
            yield rank, statement


class Resolver:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.notes: list[str] = []

    def lookup(self, module: str, name: str, depth: int = 0) -> Ref | None:
        """What `name` is bound to at the top level of module."""
        if depth > 25:
            return None
        tree = self.source.tree(module)
        if tree is None:
            return None
        found: list[tuple[int, int, Ref]] = []
        stars: list[str] = []
        for order, (rank, statement) in enumerate(_statements(tree.body)):
            ref = self._binding(module, statement, name, depth)
            if ref is not None:
                found.append((rank, -order, ref))
            if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names) \
                    and rank < 2:
                stars.append(self.source.absolute(module, statement.level, statement.module))
        if found:
            return min(found, key=lambda item: (item[0], item[1]))[2]
        for target in stars:
            if target in self.source.files:
                ref = self.lookup(target, name, depth + 1)
                if ref is not None:
                    return ref
        if module in self.source.packages:
            lazy = self._lazy(module, name)
            if lazy is not None:
                return self.lookup(lazy, name, depth + 1) or self._submodule(lazy, name)
            sub = f"{module}.{name}"
            if sub in self.source.files:
                return ModuleRef(sub)
        return None

    def _submodule(self, module: str, name: str) -> Ref | None:
        return ModuleRef(f"{module}.{name}") if f"{module}.{name}" in self.source.files else None

    def _binding(self, module: str, statement: ast.stmt, name: str, depth: int) -> Ref | None:
        if isinstance(statement, ast.ClassDef) and statement.name == name:
            return ClassRef(module, name, statement)
        if isinstance(statement, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == name for target in statement.targets):
            if isinstance(statement.value, ast.Name | ast.Attribute):
                if isinstance(statement.value, ast.Name) and statement.value.id == name:
                    return None
                return self.expression(module, statement.value, depth + 1)
            return None
        if isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                if (alias.asname or alias.name) != name or alias.name == "*":
                    continue
                target = self.source.absolute(module, statement.level, statement.module)
                if not self._internal(target):
                    return Foreign(f"{target}.{alias.name}")
                ref = self.lookup(target, alias.name, depth + 1) if target in self.source.files else None
                return ref or self._submodule(target, alias.name)
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound != name:
                    continue
                target = alias.name if alias.asname else alias.name.split(".")[0]
                return ModuleRef(target) if self._internal(target) else Foreign(target)
        return None

    def _internal(self, module: str) -> bool:
        return module == self.source.package or module.startswith(f"{self.source.package}.")

    def _lazy(self, module: str, name: str) -> str | None:
        """The submodule an `_import_structure` table (transformers, trl) names for name."""
        tree = self.source.tree(module)
        if tree is None:
            return None
        for _rank, statement in _statements(tree.body):
            for node in ast.walk(statement):
                if isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values, strict=False):
                        if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                                and _lists_name(value, name):
                            return f"{module}.{key.value}"
                if isinstance(node, ast.Assign | ast.AugAssign | ast.Call):
                    sub = _structure_key(node, name)
                    if sub is not None:
                        return f"{module}.{sub}"
        return None

    def expression(self, module: str, node: ast.expr, depth: int = 0) -> Ref | None:
        """A Name or dotted Attribute in module, resolved."""
        if isinstance(node, ast.Subscript):  # Generic[T]
            return self.expression(module, node.value, depth)
        if isinstance(node, ast.Name):
            return self.lookup(module, node.id, depth + 1)
        if isinstance(node, ast.Attribute):
            owner = self.expression(module, node.value, depth + 1)
            if isinstance(owner, ModuleRef):
                ref = self.lookup(owner.module, node.attr, depth + 1) if owner.module in self.source.files \
                    else None
                return ref or self._submodule(owner.module, node.attr)
            if isinstance(owner, Foreign):
                return Foreign(f"{owner.qualified}.{node.attr}")
        return None

    def find(self, spec: str) -> ClassRef | None:
        """A class named as exported by the package ("LoraConfig") or "module:Name"."""
        if ":" in spec:
            module, name = spec.split(":", 1)
        else:
            module, name = self.source.package, spec
        ref = self.lookup(module, name)
        if isinstance(ref, ClassRef):
            return ref
        defined = [mod for mod in sorted(self.source.files) if (tree := self.source.tree(mod)) is not None
                   and any(isinstance(node, ast.ClassDef) and node.name == name for node in tree.body)]
        if defined:  # e.g. trl 1.x ORPOConfig: only in trl.experimental, `from trl import` fails
            self.notes.append(f"{name}: not exported by {module} (class statement in {', '.join(defined)})")
        return None


def _lists_name(value: ast.expr, name: str) -> bool:
    return isinstance(value, ast.List | ast.Tuple) and any(
        isinstance(item, ast.Constant) and item.value == name for item in value.elts)


def _structure_key(node: ast.AST, name: str) -> str | None:
    """`_import_structure["x"] = [...]`, `+= [...]`, `.append("N")` or `.extend([...])` naming name."""
    if isinstance(node, ast.Assign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
                    and _lists_name(node.value, name):
                return str(target.slice.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Subscript) \
            and isinstance(node.func.value.slice, ast.Constant):
        arguments = node.args
        if node.func.attr == "append" and any(isinstance(a, ast.Constant) and a.value == name
                                              for a in arguments):
            return str(node.func.value.slice.value)
        if node.func.attr == "extend" and any(_lists_name(a, name) for a in arguments):
            return str(node.func.value.slice.value)
    return None


# -- the accepted keywords of a class ---------------------------------------------------------

_NUMBER_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
               ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
               ast.FloorDiv: lambda a, b: a // b}


class Extractor:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.source = resolver.source

    # defaults

    def value(self, module: str, node: ast.expr, depth: int = 0, scope: ast.ClassDef | None = None) -> object:
        """A default as stored in the tables (see the module docstring).

        A name is looked up among the constants of the class body (scope), then of the module.
        """
        try:
            literal = ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            literal = _MISSING
        if literal is not _MISSING:
            return literal if _plain(literal) else repr(literal)
        number = _number(node)
        if number is not None:
            return number
        if isinstance(node, ast.Name) and depth < 5:
            constant = self._constant(scope.body if scope is not None else [], node.id)
            if constant is None:
                tree = self.source.tree(module)
                constant = self._constant(tree.body if tree is not None else [], node.id)
            if constant is not None:
                return self.value(module, constant, depth + 1, scope)
        return f"<{ast.unparse(node)}>"

    def _constant(self, body: list[ast.stmt], name: str) -> ast.expr | None:
        """The literal a name is assigned, if it is assigned once (no conditional value)."""
        assigned = [statement.value for _rank, statement in _statements(body)
                    if isinstance(statement, ast.Assign | ast.AnnAssign)
                    and any(isinstance(target, ast.Name) and target.id == name
                            for target in (statement.targets if isinstance(statement, ast.Assign)
                                           else [statement.target]))]
        if len(assigned) != 1 or assigned[0] is None:
            return None
        value = assigned[0]
        try:
            ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            if _number(value) is None:
                return None
        return value

    def factory(self, module: str, node: ast.expr) -> object:
        """A default_factory as the repr of what it makes, like the import-based tables."""
        names = {"list": "[]", "dict": "{}", "tuple": "()", "set": "set()"}
        if isinstance(node, ast.Name) and node.id in names:
            return names[node.id]
        if isinstance(node, ast.Lambda):
            try:
                return repr(ast.literal_eval(node.body))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                number = _number(node.body)
                if number is not None:
                    return repr(number)
        return f"<factory {ast.unparse(node)}>"

    # one class statement

    def decorator(self, ref: ClassRef) -> bool | None:
        """True: a dataclass that makes __init__; False: a dataclass(init=False); None: no dataclass."""
        for node in ref.node.decorator_list:
            target = node.func if isinstance(node, ast.Call) else node
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            if name != "dataclass":
                continue
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "init" and isinstance(keyword.value, ast.Constant) \
                            and keyword.value.value is False:
                        return False
            return True
        return None

    def own_fields(self, ref: ClassRef) -> list[tuple[str, object, bool, ast.expr, list[str] | None]]:
        """(name, default, init, annotation, flag choices) of the annotated assignments of a
        dataclass body; the flag choices are a literal `field(metadata={"choices": [...]})`,
        which HfArgumentParser hands argparse for the field's flag."""
        result = []
        for statement in ref.node.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            if _is_classvar(statement.annotation) or _annotation_name(statement.annotation) == "KW_ONLY":
                continue
            init = True
            default: object = "<required>"
            flag_choices: list[str] | None = None
            value = statement.value
            if isinstance(value, ast.Call) and _call_name(value.func) == "field":
                for keyword in value.keywords:
                    if keyword.arg == "metadata":
                        flag_choices = _metadata_choices(keyword.value)
                    if keyword.arg == "default":
                        default = self.value(ref.module, keyword.value, scope=ref.node)
                    elif keyword.arg == "default_factory":
                        default = self.factory(ref.module, keyword.value)
                    elif keyword.arg == "init" and isinstance(keyword.value, ast.Constant) \
                            and keyword.value.value is False:
                        init = False
            elif value is not None:
                default = self.value(ref.module, value, scope=ref.node)
            result.append((statement.target.id, default, init, statement.annotation, flag_choices))
        return result

    # types and choices

    def field_type(self, module: str, annotation: ast.expr | None,
                   typed: bool = False) -> tuple[str, list[object] | None]:
        """The annotation as written (a string annotation unquoted), and the values it allows
        when it names them: a Literal, or an Enum class of the package (str values: the
        arguments classes convert a str with `Enum(value)`, which refuses any other). `typed`
        (pydantic models, which compare values by type): str and int values as they are, in
        the order the class lists them (an alias member repeats its value)."""
        if annotation is None:
            return "", None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return annotation.value, None
        text = ast.unparse(annotation)
        choices: list[object] = []
        for node in ast.walk(annotation):
            if isinstance(node, ast.Subscript) and _call_name(node.value) == "Literal":
                elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                choices += [element.value for element in elements if isinstance(element, ast.Constant)]
            elif isinstance(node, ast.Name | ast.Attribute) and _call_name(node) not in TYPING_NAMES:
                values = self.enum_values(module, node, typed)
                if values is not None:
                    choices += values
        if typed:  # as listed, aliases too (pydantic's error lists an enum's values so: `0, 1, 2, 3 or 3`)
            return text, (choices or None)
        return text, (sorted(set(map(str, choices))) if choices else None)

    def enum_values(self, module: str, node: ast.expr, typed: bool = False) -> list[object] | None:
        ref = self.resolver.expression(module, node)
        if not isinstance(ref, ClassRef) or not any("Enum" in (_call_name(base) or "")
                                                    for base in ref.node.bases):
            return None
        kinds = (str, int) if typed else (str,)
        values: list[object] = []
        for statement in ref.node.body:
            value = statement.value if isinstance(statement, ast.Assign) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, kinds) \
                    and not isinstance(value.value, bool):
                values.append(value.value)
        return values or None

    def init_of(self, ref: ClassRef) -> ast.FunctionDef | None:
        for statement in ref.node.body:
            if isinstance(statement, ast.FunctionDef) and statement.name == "__init__":
                return statement
        return None

    def bases(self, ref: ClassRef) -> list[Ref]:
        result: list[Ref] = []
        for base in ref.node.bases:
            if isinstance(base, ast.Name) and base.id == "object":
                continue
            found = self.resolver.expression(ref.module, base)
            if found is None:
                found = Foreign(f"?{ast.unparse(base)}")
                self.resolver.notes.append(f"{ref.name}: base {ast.unparse(base)} not resolved")
            result.append(found)
        return result

    def mro(self, ref: Ref, depth: int = 0) -> list[Ref]:
        """C3 linearisation over the resolved classes; foreign classes are leaves."""
        if not isinstance(ref, ClassRef) or depth > 30:
            return [ref]
        sequences = [self.mro(base, depth + 1) for base in self.bases(ref)]
        sequences.append(list(self.bases(ref)))
        result: list[Ref] = [ref]
        sequences = [list(sequence) for sequence in sequences if sequence]
        while sequences:
            for sequence in sequences:
                head = sequence[0]
                if not any(head in other[1:] for other in sequences):
                    break
            else:  # inconsistent: fall back to depth-first order
                for sequence in sequences:
                    result.extend(item for item in sequence if item not in result)
                return result
            result.append(head)
            sequences = [[item for item in sequence if item != head] for sequence in sequences]
            sequences = [sequence for sequence in sequences if sequence]
        return result

    # the keywords a call accepts

    def entry(self, ref: ClassRef, alias_of: str | None = None) -> dict[str, object]:
        order = self.mro(ref)
        if any(isinstance(c, Foreign) and c.qualified.lstrip("?").rsplit(".", 1)[-1] == "BaseModel"
               for c in order):
            return self.model_entry(ref, order)
        provider: Ref | None = None
        for candidate in order:
            if isinstance(candidate, Foreign):
                if _composed(candidate) is not None:
                    provider = candidate
                    break
                continue
            if isinstance(candidate, ClassRef) and (self.init_of(candidate) is not None
                                                    or self.decorator(candidate)):
                provider = candidate
                break
        entry: dict[str, object] = {"module": ref.module}
        if alias_of:
            entry["alias_of"] = alias_of
        ignored = sorted({c.qualified.lstrip("?") for c in order if isinstance(c, Foreign)
                          and _composed(c) is None})
        if ignored:
            entry["ignored_bases"] = ignored
        if provider is None:
            entry["fields"] = {}
            return entry
        if isinstance(provider, Foreign):
            entry["fields"] = {}
            entry["bases"] = [_composed(provider)]
            return entry
        assert isinstance(provider, ClassRef)
        init = self.init_of(provider)
        if init is not None:
            if provider != ref:
                entry["init_from"] = f"{provider.module}.{provider.name}"
            arguments = init.args
            named = arguments.args[1:] if arguments.args else []
            defaults: list[ast.expr | None] = [None] * (len(named) - len(arguments.defaults)) + \
                list(arguments.defaults)
            found = {a.arg: ("<required>" if d is None else self.value(provider.module, d))
                     for a, d in zip(named, defaults, strict=True)}
            for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
                found[a.arg] = "<required>" if d is None else self.value(provider.module, d)
            entry["fields"] = found
            typed = {a.arg: self.field_type(provider.module, a.annotation)
                     for a in [*named, *arguments.kwonlyargs] if a.annotation is not None}
            entry["types"] = {name: text for name, (text, _) in typed.items() if text}
            init_choices = {name: values for name, (_, values) in typed.items() if values}
            if init_choices:
                entry["choices"] = init_choices
            if arguments.kwarg is not None:
                entry["var_kwargs"] = True
            renamed = _deprecated_kwargs(init)
            if renamed:
                entry["renamed_kwargs"] = renamed
            return entry
        fields: dict[str, object] = {}
        types: dict[str, str] = {}
        choices: dict[str, list[object] | None] = {}
        flag_choices: dict[str, list[str] | None] = {}
        not_init: set[str] = set()
        bases: list[str] = []
        for candidate in reversed(self.mro(provider)):
            if isinstance(candidate, Foreign):
                composed = _composed(candidate)
                if composed is not None and composed not in bases:
                    bases.append(composed)
                continue
            if not isinstance(candidate, ClassRef) or self.decorator(candidate) is None:
                continue
            for name, default, is_init, annotation, metadata_choices in self.own_fields(candidate):
                fields.pop(name, None)
                fields[name] = default
                types[name], choices[name] = self.field_type(candidate.module, annotation)
                flag_choices[name] = metadata_choices
                if is_init:
                    not_init.discard(name)
                else:
                    not_init.add(name)
        entry["fields"] = {name: default for name, default in fields.items() if name not in not_init}
        entry["types"] = {name: types[name] for name in entry["fields"] if types.get(name)}  # type: ignore[union-attr]
        found_choices = {name: choices[name] for name in entry["fields"] if choices.get(name)}  # type: ignore[union-attr]
        if found_choices:
            entry["choices"] = found_choices
        found_flag_choices = {name: flag_choices[name] for name in entry["fields"]  # type: ignore[union-attr]
                              if flag_choices.get(name)}
        if found_flag_choices:
            entry["flag_choices"] = found_flag_choices
        if not_init:
            entry["not_init"] = sorted(not_init)
        if bases:
            entry["bases"] = bases
        return entry

    # pydantic models (DeepSpeed's config sections)

    def model_entry(self, ref: ClassRef, order: list[Ref]) -> dict[str, object]:
        """A pydantic model's fields (the annotated assignments of its classes, later ones
        overriding), with what its validation enforces: "aliases" (`Field(alias=...)`, accepted
        beside the name), "bounds" (`Field(gt=/ge=/lt=/le=)`), typed "choices" (an Enum or a
        Literal) and "extra" (`"forbid"`: an unknown key is a ValidationError)."""
        fields: dict[str, object] = {}
        types: dict[str, str] = {}
        choices: dict[str, list[object]] = {}
        aliases: dict[str, str] = {}
        bounds: dict[str, dict[str, float]] = {}
        extra: str | None = None
        api: str | None = None
        for candidate in reversed(order):
            if not isinstance(candidate, ClassRef):
                continue
            found_extra, found_api = _model_config(candidate.node)
            extra, api = found_extra or extra, found_api or api
            for statement in candidate.node.body:
                if not _model_field(statement):
                    continue
                assert isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                name = statement.target.id
                for table in (fields, types, choices, aliases, bounds):
                    table.pop(name, None)  # type: ignore[attr-defined]
                fields[name], alias, bound = self.model_field(candidate, statement.value)
                types[name], values = self.field_type(candidate.module, statement.annotation, typed=True)
                if values:
                    choices[name] = values
                if alias:
                    aliases[name] = alias
                if bound:
                    bounds[name] = bound
        entry: dict[str, object] = {"module": ref.module, "model": "pydantic", "fields": fields,
                                    "types": {name: text for name, text in types.items() if text}}
        for key, table in (("choices", choices), ("aliases", aliases), ("bounds", bounds)):
            if table:
                entry[key] = table
        if extra:
            entry["extra"] = extra
        if api:
            entry["api"] = api
        return entry

    def model_field(self, ref: ClassRef,
                    value: ast.expr | None) -> tuple[object, str | None, dict[str, float]]:
        """(default, alias, bounds) of one pydantic field's assignment."""
        if value is None:
            return "<required>", None, {}
        if not (isinstance(value, ast.Call) and _call_name(value.func) == "Field"):
            return self.value(ref.module, value, scope=ref.node), None, {}
        default: object = "<required>"
        if value.args and not (isinstance(value.args[0], ast.Constant) and value.args[0].value is Ellipsis):
            default = self.value(ref.module, value.args[0], scope=ref.node)
        alias: str | None = None
        bound: dict[str, float] = {}
        for keyword in value.keywords:
            if keyword.arg == "default":
                default = self.value(ref.module, keyword.value, scope=ref.node)
            elif keyword.arg == "default_factory":
                default = self.factory(ref.module, keyword.value)
            elif keyword.arg == "alias" and isinstance(keyword.value, ast.Constant) \
                    and isinstance(keyword.value.value, str):
                alias = keyword.value.value
            elif keyword.arg in ("gt", "ge", "lt", "le"):
                number = _number(keyword.value)
                if number is not None:
                    bound[keyword.arg] = number
        return default, alias, bound


def _deprecated_kwargs(init: ast.FunctionDef) -> dict[str, str]:
    """Old keyword -> its new name, for each `@deprecate_kwarg(old, version, new_name)` on an
    __init__ (transformers' decorator, also used by TRL): the call still accepts the old name
    and hands its value to the new one."""
    renamed: dict[str, str] = {}
    for decorator in init.decorator_list:
        if not isinstance(decorator, ast.Call) or _call_name(decorator.func) != "deprecate_kwarg":
            continue
        given = dict(zip(("old_name", "version", "new_name"), decorator.args, strict=False))
        given.update({keyword.arg: keyword.value for keyword in decorator.keywords if keyword.arg})
        old, new = given.get("old_name"), given.get("new_name")
        if isinstance(old, ast.Constant) and isinstance(new, ast.Constant) \
                and isinstance(old.value, str) and isinstance(new.value, str):
            renamed[old.value] = new.value
    return renamed


# the class names whose new home is recorded when the package stops exporting them
MOVED_SUFFIXES = ("Trainer", "Config")


def package_exports(source: Source, resolver: Resolver) -> dict[str, object]:
    """What `from <package> import X` finds: the names the package's `__init__` binds (its
    imports, definitions and assignments, in any branch), the names its lazy `_import_structure`
    lists, and its submodules (which the import statement falls back to). "open": the
    `__init__` has a star import or a module `__getattr__`, so the names are not enumerable.
    "elsewhere": trainers and configs defined in the package but not exported at its top
    level, with the shortest module path that exports them (trl 1.x: `trl.experimental.orpo`)."""
    package = source.package
    tree = source.tree(package)
    names: set[str] = {module.split(".")[1] for module in source.files if module.count(".") >= 1}
    is_open = tree is None
    for _rank, statement in _statements(tree.body if tree is not None else []):
        if isinstance(statement, ast.ImportFrom):
            if any(alias.name == "*" for alias in statement.names):
                is_open = True
            if statement.level or resolver._internal(statement.module or ""):  # not importlib's `version`
                names.update(alias.asname or alias.name for alias in statement.names)
        elif isinstance(statement, ast.Import):
            names.update(alias.asname for alias in statement.names if alias.asname)
        elif isinstance(statement, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            is_open = is_open or statement.name == "__getattr__"
            names.add(statement.name)
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
        for node in ast.walk(statement):  # `_import_structure = {"sub": ["Name", ...]}` and its updates
            lists: list[ast.expr] = []
            if isinstance(node, ast.Dict):
                lists = [value for value in node.values if value is not None]
            elif isinstance(node, ast.Assign | ast.AugAssign) and any(
                    isinstance(target, ast.Subscript) for target in
                    (node.targets if isinstance(node, ast.Assign) else [node.target])):
                lists = [node.value]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("append", "extend") and isinstance(node.func.value, ast.Subscript):
                lists = list(node.args)
            for value in lists:
                items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
                names.update(item.value for item in items
                             if isinstance(item, ast.Constant) and isinstance(item.value, str)
                             and item.value.isidentifier())
    # private names aside; dunders such as __version__ are what `from trl import __version__` reads
    public = sorted(name for name in names if not name.startswith("_")
                    or (name.startswith("__") and name.endswith("__")))
    document: dict[str, object] = {"open": True} if is_open else {"names": public}
    elsewhere: dict[str, str] = {}
    for module in sorted(source.files, key=lambda m: (m.count("."), m)):
        if any(part.startswith("_") or part.startswith("test") for part in module.split(".")[1:]):
            continue
        module_tree = source.tree(module)
        for node in module_tree.body if module_tree is not None else []:
            if not isinstance(node, ast.ClassDef) or node.name in names or node.name in elsewhere \
                    or node.name.startswith("_") or not node.name.endswith(MOVED_SUFFIXES):
                continue
            elsewhere[node.name] = _exporting_module(resolver, module, node.name)
    if elsewhere and not is_open:
        document["elsewhere"] = elsewhere
    return document


def _exporting_module(resolver: Resolver, module: str, name: str) -> str:
    """The shortest package path above module whose namespace has name (else module itself)."""
    parts = module.split(".")
    for length in range(2, len(parts)):
        candidate = ".".join(parts[:length])
        if candidate in resolver.source.packages:
            found = resolver.lookup(candidate, name)
            if isinstance(found, ClassRef) and found.module == module:
                return candidate
    return module


def _model_field(statement: ast.stmt) -> bool:
    """An annotated assignment that is a pydantic field (not private, not config, not ClassVar)."""
    return isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) \
        and not statement.target.id.startswith("_") and statement.target.id != "model_config" \
        and not _is_classvar(statement.annotation)


def _model_config(node: ast.ClassDef) -> tuple[str | None, str | None]:
    """(the `extra` setting, the pydantic API) of a class that configures its model:
    `model_config = ConfigDict(extra=...)` is v2, `class Config: extra = ...` v1 (whose error
    messages are worded otherwise)."""
    for statement in node.body:
        if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config"
                                                     for t in statement.targets) \
                and isinstance(statement.value, ast.Call):
            extra = next((str(k.value.value) for k in statement.value.keywords
                          if k.arg == "extra" and isinstance(k.value, ast.Constant)), None)
            return extra, "v2"
        if isinstance(statement, ast.ClassDef) and statement.name == "Config":
            extra = next((str(inner.value.value) for inner in statement.body
                          if isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Constant)
                          and any(isinstance(t, ast.Name) and t.id == "extra" for t in inner.targets)), None)
            return extra, "v1"
    return None, None


_MISSING = object()
# names in annotations that are typing's, never an enum of the package
TYPING_NAMES = frozenset({"Optional", "Union", "Literal", "List", "Dict", "Tuple", "Any", "str", "int",
                          "float", "bool", "list", "dict", "tuple", "None", "Callable", "Sequence",
                          "Mapping", "Type", "type", "typing", "Iterable"})


def _plain(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _number(node: ast.expr) -> int | float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return -inner if inner is not None else None
    if isinstance(node, ast.BinOp) and type(node.op) in _NUMBER_OPS:
        left, right = _number(node.left), _number(node.right)
        if left is None or right is None or (isinstance(node.op, ast.Pow) and abs(right) > 64):
            return None
        try:
            result = _NUMBER_OPS[type(node.op)](left, right)
        except (ZeroDivisionError, OverflowError):
            return None
        return result if isinstance(result, int | float) else None
    return None


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _annotation_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Subscript):
        return _annotation_name(node.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split("[", 1)[0].rsplit(".", 1)[-1].strip()
    return _call_name(node)


def _metadata_choices(metadata: ast.expr) -> list[str] | None:
    """The literal "choices" of a field's metadata dict (None when absent or computed)."""
    if not isinstance(metadata, ast.Dict):
        return None
    for key, value in zip(metadata.keys, metadata.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "choices" and \
                isinstance(value, ast.List | ast.Tuple):
            items = [element.value for element in value.elts if isinstance(element, ast.Constant)]
            if len(items) == len(value.elts):
                return [str(item) for item in items]
    return None


def _is_classvar(node: ast.expr) -> bool:
    return _annotation_name(node) == "ClassVar"


def _composed(ref: Foreign) -> str | None:
    """The table name of a foreign base the loader composes, e.g. transformers.TrainingArguments."""
    parts = ref.qualified.split(".")
    name = f"{parts[0]}.{parts[-1]}"
    return name if name in COMPOSED_BASES else None


def static_tables(package: str, wheel: Path, names: list[str] | None = None,
                  exports: dict[str, object] | None = None) -> tuple[dict[str, object], list[str]]:
    """The class entries of one wheel (names: STATIC_CLASSES[package] unless given) and notes;
    for a package of EXPORTING, `exports` (when given) receives what it exports."""
    source = Source(package, wheel)
    resolver = Resolver(source)
    extractor = Extractor(resolver)
    classes: dict[str, object] = {}
    for spec in STATIC_CLASSES[package] if names is None else names:
        name = spec.rsplit(":", 1)[-1]
        ref = resolver.find(spec)
        if ref is None:
            continue
        classes[name] = extractor.entry(ref, alias_of=ref.name if ref.name != name else None)
    if exports is not None and package in EXPORTING:
        exports.update(package_exports(source, resolver))
    return classes, resolver.notes


def _minor(version: str) -> tuple[int, ...]:
    return release_key(version)[:2]


def _semantic(classes: dict[str, object]) -> dict[str, object]:
    return {name: {key: value for key, value in entry.items() if key != "module"}
            for name, entry in classes.items() if isinstance(entry, dict)}


def static_mode(requests: list[tuple[str, str]], wheels: Path, out: Path, newest_only: bool = False) -> int:
    """Write the tables; a whole minor is read at every patch and stored once per change.

    A minor whose patches all give the same tables gets one file, named after its newest patch.
    One whose patches differ (trl 0.7.x and 0.8.x added keys in patch releases) gets a file for
    its first patch and for every patch that changed something; the loader uses the newest file
    at or below the resolved version. Other files of a rewritten minor are removed.
    """
    for package, spec in requests:
        if package not in STATIC_CLASSES:
            raise SystemExit(f"no static classes for {package}; known: {', '.join(STATIC_CLASSES)}")
        exact = ":" not in spec and spec.count(".") >= 2
        available = [] if exact else pypi_versions(package)
        for newest in newest_patches(package, spec, available):
            releases = [newest] if exact or newest_only else \
                [v for v in available if _minor(v) == _minor(newest)]
            read: list[tuple[str, Path, dict[str, object], list[str], dict[str, object]]] = []
            for version in releases:
                wheel = wheel_path(package, version, wheels)
                exports: dict[str, object] = {}
                classes, notes = static_tables(package, wheel, exports=exports)
                if read and _semantic(classes) == _semantic(read[-1][2]) and exports == read[-1][4]:
                    continue  # the same tables as the previous patch (a moved module aside)
                read.append((version, wheel, classes, notes, exports))
            if len(read) == 1:
                read = [(newest, wheel_path(package, newest, wheels), *read[0][2:])]
            if not exact and not newest_only:
                keep = {f"{package}-{version}.json" for version, *_rest in read}
                for stale in out.glob(f"{package}-{'.'.join(map(str, _minor(newest)))}.*.json"):
                    if stale.name not in keep and _minor(stale.stem[len(package) + 1:]) == _minor(newest):
                        stale.unlink()
                        print(f"removed {stale.name}")
            for version, wheel, classes, notes, exports in read:
                document = {"package": package, "version": version, "format": 2,
                            "generated_by": f"{GENERATED_BY} --from-wheels ({wheel.name})",
                            "classes": classes}
                if exports:
                    document["exports"] = exports
                if len(read) > 1:
                    document["patch_tables"] = [v for v, *_rest in read]
                path = _write(document, f"{package}-{version}.json", out)
                missing = [s.rsplit(":", 1)[-1] for s in STATIC_CLASSES[package]
                           if s.rsplit(":", 1)[-1] not in classes]
                print(f"wrote {path.name}: {len(classes)} classes"
                      + (f" (absent: {', '.join(missing)})" if missing else ""))
                for note in notes:
                    print(f"  note: {note}")
    return 0


def compare_patches(requests: list[tuple[str, str]], wheels: Path) -> int:
    """Every patch of the given minors: do the accepted keywords and defaults differ?"""
    differences = 0
    for package, minor in requests:
        wanted = release_key(minor)[:2]
        releases = [v for v in pypi_versions(package) if release_key(v)[:2] == wanted]
        tables = {version: static_tables(package, wheel_path(package, version, wheels))[0]
                  for version in releases}
        first = releases[0]
        for version in releases[1:]:
            for name in sorted(set(tables[first]) | set(tables[version])):
                a = tables[first].get(name)
                b = tables[version].get(name)
                if a is None or b is None:
                    print(f"{package} {first} vs {version}: {name} only in one")
                    differences += 1
                    continue
                assert isinstance(a, dict) and isinstance(b, dict)
                fa, fb = a["fields"], b["fields"]
                if fa != fb or a.get("bases") != b.get("bases"):
                    differences += 1
                    print(f"{package} {first} vs {version}: {name} keys "
                          f"-{sorted(set(fa) - set(fb))} +{sorted(set(fb) - set(fa))} defaults "
                          f"{sorted(k for k in set(fa) & set(fb) if fa[k] != fb[k])}")
        print(f"{package} {minor}: {', '.join(releases)} compared")
    print(f"{differences} difference(s)")
    return 1 if differences else 0


# -- behaviour tables: how a release's own code calls what a user may override ---------------

# the call Trainer.training_step makes, as written in transformers/trainer.py
_COMPUTE_LOSS_CALL = re.compile(r"self\.compute_loss\(\s*model,\s*inputs(?P<rest>[^)]*)\)")


def compute_loss_call(trainer_source: str) -> str:
    """How a release's training step calls `compute_loss`: "always" with num_items_in_batch,
    "unless-loss-kwargs" (without it when the model's forward takes loss kwargs: 4.47.0,
    4.48.0), or "never"."""
    calls = [match.group("rest") for match in _COMPUTE_LOSS_CALL.finditer(trainer_source)]
    with_items = any("num_items_in_batch" in rest for rest in calls)
    without = any("num_items_in_batch" not in rest and "return_outputs" not in rest for rest in calls)
    if with_items and without:
        return "unless-loss-kwargs"
    return "always" if with_items else "never"


# Trainer.__init__'s refusal of an evaluation strategy without an eval_dataset (its message)
EVAL_DATASET_REQUIRED = "but you didn't pass an `eval_dataset` to `Trainer`"
# Trainer.__init__'s refusal of `optimizers=(...)` under some backends (its message)
OPTIMIZERS_REFUSED = "Passing `optimizers` is not allowed"


def optimizers_refused_with(trainer_source: str) -> dict[str, object] | None:
    """The backends under which a release's Trainer refuses `optimizers=(optimizer, scheduler)`,
    read from the condition of the `if` that raises it ("fsdp"; "deepspeed" until 4.45), and the
    message it raises, joined from its string literals as Python joins them."""
    position = trainer_source.find(OPTIMIZERS_REFUSED)
    if position < 0:
        return None
    condition = trainer_source[trainer_source.rfind("if ", 0, position):position]
    backends = [name for name in ("deepspeed", "fsdp") if name in condition]
    start = trainer_source.rfind("(", 0, position)
    end = trainer_source.find(")\n", position)
    try:
        message = ast.literal_eval(trainer_source[start:end + 1])
    except (ValueError, SyntaxError):
        message = None
    return {"backends": backends, "message": message if isinstance(message, str) else None}


# Trainer's refusal of a quantization method whose quantizer is not trainable (its message)
NOT_TRAINABLE = "but that quantization method do not support training"


def quantizer_trainability(files: dict[str, str]) -> dict[str, object]:
    """Per quantization config class (`Mxfp4Config`), the quant methods it stands for and whether
    their quantizer's `is_trainable` returns a constant (True/False) or decides at run time
    ("conditional": torchao's bit width, AWQ's gptqmodel version, ...), or is False but the
    quantizer dequantizes by itself on a machine without its kernels
    ("unless-dequantized-by-environment": MXFP4). Read with ast from
    quantizers/auto.py's AUTO_QUANTIZER_MAPPING / AUTO_QUANTIZATION_CONFIG_MAPPING and each quantizer."""
    auto = files.get("transformers/quantizers/auto.py")
    if auto is None:
        return {}
    mappings: dict[str, dict[str, str]] = {}
    for node in ast.walk(ast.parse(auto)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and node.targets and \
                isinstance(node.targets[0], ast.Name):
            mappings[node.targets[0].id] = {
                key.value: value.id for key, value in zip(node.value.keys, node.value.values, strict=False)
                if isinstance(key, ast.Constant) and isinstance(value, ast.Name)}
    quantizers = mappings.get("AUTO_QUANTIZER_MAPPING", {})
    configs = mappings.get("AUTO_QUANTIZATION_CONFIG_MAPPING", {})
    trainable: dict[str, object] = {}
    for name, text in files.items():
        if not name.startswith("transformers/quantizers/quantizer_"):
            continue
        for node in ast.parse(text).body:
            if isinstance(node, ast.ClassDef):
                method = next((item for item in node.body if isinstance(item, ast.FunctionDef)
                               and item.name == "is_trainable"), None)
                if method is not None:
                    returns = [r.value for r in ast.walk(method) if isinstance(r, ast.Return)]
                    constants = {r.value for r in returns
                                 if isinstance(r, ast.Constant) and isinstance(r.value, bool)}
                    trainable[node.name] = constants.pop() if len(constants) == 1 and len(returns) == 1 \
                        else "conditional"
                    # a quantizer that falls back to dequantizing (no kernels, an unsupported device)
                    if trainable[node.name] is False and "quantization_config.dequantize = True" in \
                            ast.get_source_segment(text, node):
                        trainable[node.name] = "unless-dequantized-by-environment"
    table: dict[str, dict[str, object]] = {}
    for method, config in sorted(configs.items()):
        quantizer = quantizers.get(method)
        entry = table.setdefault(config, {"methods": [], "trainable": None})
        entry["methods"].append(method)  # type: ignore[union-attr]
        found = trainable.get(quantizer, "conditional") if quantizer else "conditional"
        entry["trainable"] = found if entry["trainable"] in (None, found) else "conditional"
    return table


# a data-dependent skip in an MoE block's forward: only the experts some token is routed to run
_ROUTED_ONLY_MARKERS = ("continue", "nonzero", "torch.where", "numel()", "expert_hit")


# Gemma 3's create_causal_mask_mapping (transformers 5.0-5.5, huggingface/transformers#45454 removed it)
TOKEN_TYPE_IDS_REQUIRED_MARKER = "is required as a model input when training"


def training_requires_token_type_ids(files: dict[str, str]) -> dict[str, str]:
    """Per model_type, the exception its modeling code raises when the model runs in training mode
    without `token_type_ids` (Gemma 3's multimodal model on transformers 5.0-5.5), read with ast."""
    table: dict[str, str] = {}
    for path, source in sorted(files.items()):
        match = re.fullmatch(r"transformers/models/(\w+)/modeling_\1\.py", path)
        if match is None or (message := raised_message(source, TOKEN_TYPE_IDS_REQUIRED_MARKER)) is None:
            continue
        for model_type in _model_types(files, match.group(1)):
            table[model_type] = message
    return table


def _model_types(files: dict[str, str], folder: str) -> list[str]:
    """The model_type of a models/<folder>'s main config class (`Gemma3Config` for gemma3, not its
    `Gemma3TextConfig`), read with ast from its configuration file; else the folder's name."""
    source = files.get(f"transformers/models/{folder}/configuration_{folder}.py", "")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [folder]
    declared = {node.name.lower(): item.value.value for node in tree.body if isinstance(node, ast.ClassDef)
                for item in node.body if isinstance(item, ast.Assign | ast.AnnAssign)
                for target in ([item.target] if isinstance(item, ast.AnnAssign) else item.targets)
                if isinstance(target, ast.Name) and target.id == "model_type"
                and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str)}
    main = declared.get(folder.replace("_", "") + "config")
    if main is None and len(set(declared.values())) == 1:
        main = next(iter(declared.values()))
    return [main or folder]


def routed_expert_lists(files: dict[str, str]) -> dict[str, list[str]]:
    """Per model_type, the classes (module path) that hold their experts as an `nn.ModuleList` of
    per-expert modules and run only the experts tokens are routed to (ZeRO-3 gathers each expert by
    its own hook, so ranks routing differently wait on different gathers unless the block is a
    leaf). Read with ast from every models/<name>/modeling_<name>.py; the model_type from the
    `model_type = "..."` of the folder's configuration file (else the folder's name)."""
    table: dict[str, list[str]] = {}
    for path, source in sorted(files.items()):
        match = re.fullmatch(r"transformers/models/(\w+)/modeling_\1\.py", path)
        if match is None or "experts" not in source or "ModuleList" not in source:
            continue
        blocks = [f"transformers.models.{match.group(1)}.modeling_{match.group(1)}.{name}"
                  for name in _routed_expert_classes(source)]
        if not blocks:
            continue
        for model_type in _model_types(files, match.group(1)):
            table.setdefault(model_type, []).extend(blocks)
    return table


def _routed_expert_classes(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        segment = ast.get_source_segment(source, node) or ""
        if any(_assigns_module_list_experts(item) for item in ast.walk(node)) and \
                any(marker in segment for marker in _ROUTED_ONLY_MARKERS):
            found.append(node.name)
    return found


def _assigns_module_list_experts(node: ast.AST) -> bool:
    if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return called == "ModuleList" and any(
        isinstance(target, ast.Attribute) and target.attr == "experts" and
        isinstance(target.value, ast.Name) and target.value.id == "self" for target in node.targets)


def _every_release(package: str) -> list[str]:
    """Every final release of the package's default range, each patch (the behaviour tables'
    releases)."""
    available = pypi_versions(package)
    return [v for newest in newest_patches(package, DEFAULT_RANGES[package], available)
            for v in available if _minor(v) == _minor(newest)]


def _release_sources(package: str, version: str, wheels: Path, prefixes: tuple[str, ...]) -> dict[str, str]:
    """The .py files of one release (its wheel, or source archive) whose paths start with one of
    prefixes, by path inside the package tree."""
    return {name: read().decode("utf-8", errors="replace")
            for name, read in _archive_members(wheel_path(package, version, wheels))
            if name.startswith(prefixes) and name.endswith(".py")}


def _write_behaviours(package: str, read_from: str, out: Path, tables: dict[str, dict[str, object]]) -> int:
    """data/behaviours-<package>.json: each table is {release: value}."""
    document = {"package": package, "format": 1,
                "generated_by": f"{GENERATED_BY} --behaviours ({read_from})", **tables}
    path = _write(document, f"behaviours-{package}.json", out)
    print(f"wrote {path.name}: {len(next(iter(tables.values()), {}))} releases")
    return 0


def behaviours_mode(wheels: Path, out: Path) -> int:
    """data/behaviours-transformers.json: per release (every final release of the default
    range, each patch), what its code does that a static check needs."""
    package = "transformers"
    releases = _every_release(package)
    compute_loss: dict[str, str] = {}
    eval_dataset: dict[str, bool] = {}
    optimizers: dict[str, object] = {}
    quantizers: dict[str, object] = {}
    routed_experts: dict[str, object] = {}
    token_types: dict[str, object] = {}
    for version in releases:
        read = _release_sources(package, version, wheels, (
            f"{package}/trainer.py", f"{package}/trainer_utils.py", f"{package}/quantizers/",
            f"{package}/models/"))
        trainer, utils = read[f"{package}/trainer.py"], read[f"{package}/trainer_utils.py"]
        quantization = {name: text for name, text in read.items()
                        if name.startswith(f"{package}/quantizers/")}
        compute_loss[version] = compute_loss_call(trainer)
        quantizers[version] = {"checked": NOT_TRAINABLE in trainer or NOT_TRAINABLE in utils,
                               "configs": quantizer_trainability(quantization)}
        eval_dataset[version] = EVAL_DATASET_REQUIRED in trainer
        optimizers[version] = optimizers_refused_with(trainer)
        models = {name: text for name, text in read.items() if name.startswith(f"{package}/models/")}
        routed_experts[version] = routed_expert_lists(models)
        token_types[version] = training_requires_token_type_ids(models)
    return _write_behaviours(package, "transformers/trainer.py of each wheel", out, {
                "compute_loss_num_items": compute_loss,
                # Trainer.__init__ refuses an evaluation strategy without an eval_dataset
                "eval_strategy_requires_eval_dataset": eval_dataset,
                # the backends under which Trainer.__init__ refuses optimizers=(...)
                "optimizers_refused_with": optimizers,
                # whether the Trainer refuses a quantization method whose quantizer is not trainable,
                # and per config class, the methods and their quantizer's is_trainable
                "quantization_trainable": quantizers,
                # per model_type, the MoE blocks whose per-expert modules run only for routed tokens
                "moe_routed_expert_modules": routed_experts,
                # per model_type, the ValueError its forward raises in training mode without token_type_ids
                "training_requires_token_type_ids": token_types})


def grpo_batch_check(config_source: str, trainer_source: str) -> dict[str, object] | None:
    """How a TRL release checks GRPO's batch arithmetic, read from its grpo_config.py and
    grpo_trainer.py: "family" "generation-divisible" (0.20+: GRPOConfig.__post_init__,
    `generation_batch_size ... must be divisible by num_generations`), "generation-values" (0.18-0.19:
    the config, "The effective train batch size (W x p x steps_per_generation) must be evenly
    divisible..."), "effective" (0.17: the trainer, W x p x gradient_accumulation_steps) or
    "global" (0.15-0.16: the trainer, W x p); where the eval batch is checked and how; whether
    fewer than 2 generations and auto_find_batch_size are refused. None: no such check (or no GRPO)."""
    both = config_source + trainer_source
    if "must be divisible by num_generations" in config_source:
        family, where = "generation-divisible", "config"
    elif "The effective train batch size" in config_source:
        family, where = "generation-values", "config"
    elif "The effective train batch size" in trainer_source:
        family, where = "effective", "trainer"
    elif "The global train batch size" in trainer_source:
        family, where = "global", "trainer"
    else:
        return None
    eval_check = "global eval batch size" in both or "effective eval batch size" in both
    return {"family": family, "where": where,
            "eval_check": eval_check,
            "eval_generations_field": eval_check and "num_generations_eval" in config_source,
            "both_batch_settings_refused": "can not be both configured at the same time" in config_source,
            "auto_find_batch_size_refused": "auto_find_batch_size is not supported by GRPO" in both}


# TRL's trainers force reentrant checkpointing for PEFT + ZeRO-3 (huggingface/trl#2514); the
# warning they print when they override use_reentrant=False
PEFT_ZERO3_REENTRANT_MARKER = "is forced to `True` in this configuration"


# TRL's refusals of sync_ref_model (TR-DPO's reference-model sync): with a PEFT model (no separate
# reference model to sync), and in GRPO with beta=0.0 (no reference model at all)
SYNC_REF_MARKERS = {"peft": "`sync_ref_model=True` while using a PEFT model",
                    "beta0": "`sync_ref_model=True` while `beta=0.0`"}


# TRL's refusal of a PEFT adapter on the LM head (log-probs computed from lm_head.weight directly)
LM_HEAD_ADAPTER_MARKER = "`lm_head.weight` directly"


def raised_message(source: str, marker: str) -> str | None:
    """The `Type: message` of the first `raise Type("...")` whose message contains marker, read
    with ast (adjacent literals joined as Python joins them); None when there is none."""
    if marker not in source:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            message = node.exc.args[0]
            text = message.value if isinstance(message, ast.Constant) else None
            if isinstance(text, str) and marker in text:
                return f"{_call_name(node.exc.func)}: {text}"
    return None


def padding_free_strategies(sft_source: str) -> list[str]:
    """The packing strategies with which SFTTrainer turns padding-free on by itself, read from
    `self.padding_free = args.padding_free or (args.packing and args.packing_strategy == "bfd")`."""
    match = re.search(r"self\.padding_free = args\.padding_free or \(args\.packing and "
                      r"args\.packing_strategy (==|in) ([^)]*)\)", sft_source)
    if match is None:
        return []
    try:
        value = ast.literal_eval(match.group(2).strip())
    except (ValueError, SyntaxError):
        return []
    return sorted(value) if isinstance(value, set | tuple | list) else [str(value)]


def trl_behaviours_mode(wheels: Path, out: Path) -> int:
    """data/behaviours-trl.json: per TRL release (every final release of the default range, each
    patch), how its GRPO code checks the batch arithmetic (grpo_batch_check)."""
    package = "trl"
    releases = _every_release(package)
    checks: dict[str, object] = {}
    forcing: dict[str, list[str]] = {}
    sync_ref: dict[str, dict[str, dict[str, str]]] = {}
    lm_head: dict[str, dict[str, str]] = {}
    padding_free: dict[str, dict[str, object]] = {}
    adapter_dtype: dict[str, list[str]] = {}
    for version in releases:
        read = _release_sources(package, version, wheels, ("trl/trainer/",))
        # the trainers by file stem ("sft", "dpo", ...), as the tables key them
        trainers = {name.rsplit("/", 1)[-1].removesuffix("_trainer.py"): text
                    for name, text in sorted(read.items()) if name.endswith("_trainer.py")}
        adapter_dtype[version] = [stem for stem, text in trainers.items()
                                  if ZERO3_ADAPTER_DTYPE_MARKER in text]
        checks[version] = grpo_batch_check(read.get("trl/trainer/grpo_config.py", ""),
                                           read.get("trl/trainer/grpo_trainer.py", ""))
        forcing[version] = [stem for stem, text in trainers.items() if PEFT_ZERO3_REENTRANT_MARKER in text]
        lm_head[version] = {stem: message for stem, text in trainers.items()
                            if (message := raised_message(text, LM_HEAD_ADAPTER_MARKER))}
        sft = trainers.get("sft", "")
        padding_free[version] = {
            "custom_collator": raised_message(sft, "custom data collator is not supported when using "
                                                   "padding-free"),
            "max_length": raised_message(sft, "without packing, `max_length` is not enforced"),
            # `self.padding_free = args.padding_free or (args.packing and args.packing_strategy in {...})`:
            # the packing strategies that turn padding-free on
            "padding_free_strategies": padding_free_strategies(sft)}
        sync_ref[version] = {
            stem: found for stem, text in trainers.items()
            if (found := {case: message for case, marker in SYNC_REF_MARKERS.items()
                          if (message := raised_message(text, marker))})}
    return _write_behaviours(package, "trl/trainer/*.py of each wheel", out, {
                "grpo_batch_check": checks,
                # the trainers (file stems: "sft", "dpo", ...) whose __init__ sets
                # gradient_checkpointing_kwargs["use_reentrant"] = True for a PEFT model under ZeRO-3
                "peft_zero3_forces_reentrant": forcing,
                # per trainer (file stem): the exception each sync_ref_model refusal raises
                "sync_ref_model_refused": sync_ref,
                # per trainer (file stem): the exception raised for a PEFT adapter on lm_head
                "lm_head_adapter_refused": lm_head,
                # SFTTrainer's refusals in padding-free mode (messages), and whether BFD packing turns it on
                "sft_padding_free": padding_free,
                # the trainers (file stems) that wrap a non-quantized model for ZeRO-3 with
                # get_peft_model(..., autocast_adapter_dtype=False): adapters in the base's dtype
                "peft_zero3_keeps_adapter_dtype": adapter_dtype})


# huggingface/trl#6091 (1.7): the trainers pass autocast_adapter_dtype=False to get_peft_model under
# ZeRO-3 for a non-quantized model, so fp32 adapters never meet DeepSpeed 0.19.2's coalesced gather
ZERO3_ADAPTER_DTYPE_MARKER = '["autocast_adapter_dtype"] = False'


# PR deepspeedai/DeepSpeed#8148 ("Z3: Support for activation ckpt with frozen params"): the
# fetch hook attributes a frozen parameter gathered during a checkpoint's recompute to the
# module in backward, instead of re-partitioning it mid-recompute
ZERO3_RECOMPUTE_MARKER = "update_recompute_parameters"


def deepspeed_behaviours_mode(wheels: Path, out: Path) -> int:
    """data/behaviours-deepspeed.json: per DeepSpeed release (every final release of the default
    range, each patch, from its source archive), whether ZeRO-3 keeps frozen parameters gathered
    through a non-reentrant checkpoint's recompute (before it, the recompute sees them
    re-partitioned, shape [0], and torch raises CheckpointError)."""
    package = "deepspeed"
    releases = _every_release(package)
    handled: dict[str, bool] = {}
    leaves: dict[str, object] = {}
    mixed: dict[str, bool] = {}
    for version in releases:
        sources = _release_sources(package, version, wheels, ("deepspeed/runtime/zero/",
                                                               "deepspeed/runtime/engine.py"))
        handled[version] = any(ZERO3_RECOMPUTE_MARKER in text for text in sources.values())
        leaves[version] = zero3_leaf_modules(sources)
        mixed[version] = zero3_mixed_dtype_gather_fails(sources)
    return _write_behaviours(package, "deepspeed/runtime/zero/*.py of each source archive", out,
                             {"zero3_checkpoint_recompute_keeps_frozen_params": handled,
                              "zero3_leaf_modules": leaves,
                              "zero3_mixed_dtype_persistent_gather_fails": mixed})


# deepspeedai/DeepSpeed#8066 (0.19.2) stopped the engine's `self.module.bfloat16()`, which had kept every
# parameter in one dtype; _allgather_params_coalesced still sized every output buffer with the first
# parameter's dtype until #8073 (0.19.3), so bf16 and fp32 persistent parameters fail to gather
FIRST_PARAM_DTYPE_MARKER = "dtype=param_list[0].ds_tensor.dtype,"
ENGINE_BF16_CAST_MARKER = "self.module.bfloat16()"


def zero3_mixed_dtype_gather_fails(sources: dict[str, str]) -> bool:
    """Whether a release's ZeRO-3 fails to all-gather persistent parameters of mixed dtypes (fp32
    LoRA adapters beside a bf16 base): the engine no longer casts the module to one dtype and the
    coalesced gather allocates every buffer with the first parameter's dtype."""
    gather = sources.get("deepspeed/runtime/zero/partition_parameters.py", "")
    engine = sources.get("deepspeed/runtime/engine.py", "")
    return FIRST_PARAM_DTYPE_MARKER in gather and ENGINE_BF16_CAST_MARKER not in engine


def zero3_leaf_modules(sources: dict[str, str]) -> dict[str, object]:
    """How a DeepSpeed release lets ZeRO-3 treat a module as a leaf (its parameters gathered
    together, whatever its forward runs): the `zero_optimization.leaf_module` config and the
    classes it marks by default (0.18.0+, deepspeedai/DeepSpeed#7604), and the
    `stage3_module_granularity_threshold` setting that marks leaves by size."""
    config = sources.get("deepspeed/runtime/zero/leaf_module_config.py")
    defaults: list[str] = []
    if config is not None:
        for node in ast.walk(ast.parse(config)):
            target = node.target if isinstance(node, ast.AnnAssign) else \
                node.targets[0] if isinstance(node, ast.Assign) else None
            if isinstance(target, ast.Name) and target.id == "DEFAULT_LEAF_MODULE_CLASSES" and \
                    node.value is not None:
                defaults = list(ast.literal_eval(node.value))
    zero_config = sources.get("deepspeed/runtime/zero/config.py", "")
    return {"config": config is not None, "default_classes": defaults,
            "granularity_threshold": "module_granularity_threshold" in zero_config}


# huggingface/accelerate#3987 (1.14): fully_shard leaves integer (uint8-stored) frozen Params4bit
# out of FSDP2 sharding, with this warning, instead of crashing or corrupting their quant_state
FSDP2_PARAMS4BIT_MARKER = "non-floating frozen Params4bit"


def accelerate_behaviours_mode(wheels: Path, out: Path) -> int:
    """data/behaviours-accelerate.json: per accelerate release (every final release of the default
    range, each patch), whether FSDP2 excludes 4-bit weights stored as integers from sharding."""
    package = "accelerate"
    releases = _every_release(package)
    excluded: dict[str, bool] = {}
    for version in releases:
        text = _release_sources(package, version, wheels, ("accelerate/utils/fsdp_utils.py",)).get(
            "accelerate/utils/fsdp_utils.py", "")
        excluded[version] = FSDP2_PARAMS4BIT_MARKER in text
    # torch >= 2.7 is needed too (the exclusion uses fully_shard's ignored_params)
    return _write_behaviours(package, "accelerate/utils/fsdp_utils.py of each wheel", out,
                             {"fsdp2_excludes_integer_params4bit": excluded})


# peft 0.20 (utils/save_and_load.py): get_peft_model_state_dict drops the keys of *other* adapters
# instead of keeping only keys that name the saved one, so keys without an adapter name survive
ADAPTER_NAME_TOLERANT_MARKER = "unwanted_adapter_names"


def peft_behaviours_mode(wheels: Path, out: Path) -> int:
    """data/behaviours-peft.json: per peft release (every final release of the default range, each
    patch), whether get_peft_model_state_dict keeps only keys naming the adapter (".default"), which
    empties the file when `model.state_dict` is patched to return an already-extracted adapter
    state dict (the alpaca-lora pattern)."""
    package = "peft"
    releases = _every_release(package)
    needs_name: dict[str, bool] = {}
    autocast: dict[str, bool] = {}
    for version in releases:
        read = _release_sources(package, version, wheels, ("peft/utils/save_and_load.py", "peft/mapping"))
        needs_name[version] = ADAPTER_NAME_TOLERANT_MARKER not in read["peft/utils/save_and_load.py"]
        autocast[version] = get_peft_model_autocasts(read)
    return _write_behaviours(package, "peft/utils/save_and_load.py, peft/mapping*.py of each wheel", out,
                             {"state_dict_keys_need_adapter_name": needs_name,
                              # get_peft_model(autocast_adapter_dtype=True): fp16/bf16 adapters upcast to fp32
                              "get_peft_model_autocasts_adapters": autocast})


def get_peft_model_autocasts(files: dict[str, str]) -> bool:
    """Whether the release's get_peft_model takes autocast_adapter_dtype, True by default (adapter
    weights created in fp16/bf16 are upcast to fp32), read with ast from peft/mapping*.py."""
    for name, source in files.items():
        if not name.startswith("peft/mapping"):
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name == "get_peft_model":
                arguments = node.args.args + node.args.kwonlyargs
                defaults = dict(zip([a.arg for a in node.args.args][-len(node.args.defaults):],
                                    node.args.defaults, strict=False)) if node.args.defaults else {}
                defaults |= {a.arg: d for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults,
                                                      strict=True) if d is not None}
                default = defaults.get("autocast_adapter_dtype")
                return any(a.arg == "autocast_adapter_dtype" for a in arguments) and \
                    isinstance(default, ast.Constant) and default.value is True
    return False


def _pairs(items: list[str]) -> list[tuple[str, str]]:
    if not items:
        return list(DEFAULT_RANGES.items())
    if len(items) % 2:
        raise SystemExit("give PACKAGE VERSIONS pairs, e.g. transformers 4.30:5.24 peft 0.8.2")
    return list(zip(items[::2], items[1::2], strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--from-wheels", nargs="*", metavar="PACKAGE VERSIONS",
                      help="read the released wheels statically (default: every default range)")
    mode.add_argument("--compare-patches", nargs="+", metavar="PACKAGE MINOR",
                      help="check that the patches of a minor release accept the same keywords")
    mode.add_argument("--behaviours", action="store_true",
                      help="what each transformers, TRL, DeepSpeed, accelerate and peft release's code does "
                           "(data/behaviours-*.json)")
    parser.add_argument("--newest-only", action="store_true",
                        help="read only the newest patch of each minor (quicker; removes no file)")
    parser.add_argument("--wheels", type=Path, default=WHEELS, help="wheel cache folder")
    parser.add_argument("--out", type=Path, default=OUT, help="where the tables go")
    args = parser.parse_args(argv)
    if args.compare_patches:
        return compare_patches(_pairs(args.compare_patches), args.wheels)
    if args.behaviours:
        return behaviours_mode(args.wheels, args.out) or trl_behaviours_mode(args.wheels, args.out) or \
            deepspeed_behaviours_mode(args.wheels, args.out) or \
            accelerate_behaviours_mode(args.wheels, args.out) or peft_behaviours_mode(args.wheels, args.out)
    if args.from_wheels is not None:
        return static_mode(_pairs(args.from_wheels), args.wheels, args.out, args.newest_only)
    return import_mode(args.out)


if __name__ == "__main__":
    sys.exit(main())
