"""Grouping files into run units: a script with the configs and launcher that belong to it.

Files named together on the command line form one unit. A launcher in a unit
also brings in the script and the config files its command line names. In folder
mode every launcher command makes a unit, and every remaining training script
makes one with the configs whose names it mentions.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from peft_lint.facts.values import Const, DictValue
from peft_lint.inputs.files import (
    JSON_SUFFIXES,
    YAML_SUFFIXES,
    SourceFile,
    is_file,
    kind_of,
    read_source,
    release_text,
)
from peft_lint.inputs.paths import SETTINGS_FILES, folder_files, folders_up

CONFIG_KINDS = ("yaml", "json")
CONFIG_SUFFIXES = (*YAML_SUFFIXES, *JSON_SUFFIXES)
# a quoted string that ends in a config suffix (f-strings included)
QUOTED_CONFIG = re.compile(r"""(["'])([^"'\n]{0,300}?[^"'\s/]\.(?:ya?ml|json))\1""", re.IGNORECASE)
# an import of a training library at the start of a line
TRAINING_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?:transformers|peft|trl|accelerate)\b"
    r"|import[ \t]+[^\n#]*\b(?:transformers|peft|trl|accelerate)\b)", re.MULTILINE)


UNSLOTH_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+unsloth\b", re.MULTILINE)


@dataclass
class RunUnit:
    files: list[SourceFile] = field(default_factory=list)
    # the project's own modules its scripts import, read while the unit is linted
    modules: list[SourceFile] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[SourceFile]:
        return [file for file in self.files if file.kind == kind and file.problem is None]

    def configs(self, role: str | None = None) -> list[SourceFile]:
        return [file for file in self.files if file.kind in CONFIG_KINDS and file.problem is None
                and (role is None or file.config_role == role)]

    def dialects(self) -> frozenset[str]:
        """The front ends the run's scripts import (read from the text, like the runs of a folder)."""
        return frozenset({"unsloth"}) if any(
            UNSLOTH_IMPORT.search(file.text) for file in self.files if file.kind == "python") else frozenset()

    def directories(self) -> list[Path]:
        return sorted({file.absolute.parent for file in self.files})


class FileCache:
    """The files read while finding the runs. With `release_texts` (a folder linted for its
    findings only) a script keeps what finding the runs needs from its text, and the text
    itself goes until its run is linted: memory stays flat however large the folder."""

    def __init__(self, release_texts: bool = False) -> None:
        self.files: dict[Path, SourceFile] = {}
        self.release_texts = release_texts

    def get(self, path: Path) -> SourceFile:
        key = path.absolute()
        if key not in self.files:
            source = read_source(path, defer_python=True)
            if self.release_texts and source.kind in ("python", *CONFIG_KINDS):
                _mentioned_names(source)  # what finding the runs reads, kept before the text goes
                if source.kind == "python":
                    _imports_training_library(source)
                    _imported_modules(source)
                else:
                    _is_mapping(source)
                    _deepspeed_file_name(source)
                release_text(source)
            self.files[key] = source
        return self.files[key]


def units_for(paths: list[Path], release_texts: bool = False) -> tuple[list[RunUnit], list[SourceFile]]:
    """The run units for the command-line paths, and every file read."""
    cache = FileCache(release_texts)
    named = [path for path in paths if not _is_folder(path)]
    units: list[RunUnit] = []
    if named:
        unit = RunUnit([cache.get(path) for path in named])
        for notebook in [file for file in unit.files if file.companions]:
            _add_notebook_files(unit, notebook)
        _add_named_by_launchers(unit, cache)
        _add_named_by_configs(unit, cache)
        units.append(unit)
    for folder in (path for path in paths if _is_folder(path)):
        units.extend(_folder_units(folder, cache))
    return units, list(cache.files.values())


def units_for_changed(changed: list[Path], root: Path,
                      release_texts: bool = False) -> tuple[list[RunUnit], list[SourceFile]]:
    """The runs under root that a change touches (pre-commit hands over the changed files): a run
    that holds a changed file (its script, a config or launcher it reads), or whose scripts import
    a changed module of the project; and the files of those runs."""
    cache = FileCache(release_texts)
    wanted = {path.absolute() for path in changed} | {path.resolve() for path in changed}
    modules = _module_names([path for path in changed if kind_of(path) == "python"], root)
    # a changed pin or settings file decides the versions and settings of every run below it
    governing = [path.absolute().parent for path in changed if _pins_or_settings(path)]
    units = [unit for unit in _folder_units(root, cache)
             if _touched(unit, wanted, modules) or any(
                 folder in file.absolute.parents for folder in governing for file in unit.files)]
    kept = {id(file) for unit in units for file in unit.files}
    return units, [file for file in cache.files.values() if id(file) in kept]


def _pins_or_settings(path: Path) -> bool:
    name = path.name
    return (name.startswith("requirements") and name.endswith(".txt")) or \
        name in ("pyproject.toml", "setup.cfg", "setup.py", *SETTINGS_FILES)


def _touched(unit: RunUnit, wanted: set[Path], modules: set[str]) -> bool:
    if any(file.absolute in wanted or file.absolute.resolve() in wanted for file in unit.files):
        return True
    return bool(modules) and any(module in modules for file in unit.files if file.kind == "python"
                                 for module in _imported_modules(file))


def _module_names(paths: list[Path], root: Path) -> set[str]:
    """The names a script may import a project file by: `pkg/data.py` as `pkg.data` and `data`
    (a script beside it, or a folder on sys.path), `pkg/__init__.py` as `pkg`."""
    names: set[str] = set()
    for path in paths:
        try:
            parts = list(path.absolute().relative_to(root.absolute()).with_suffix("").parts)
        except ValueError:
            parts = [path.stem]
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        names.update(".".join(parts[start:]) for start in range(len(parts)))
    return {name for name in names if name}


IMPORTED = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w, \t]+)"
                      r"|import[ \t]+([\w.]+))", re.MULTILINE)


def _imported_modules(script: SourceFile) -> tuple[str, ...]:
    """The modules a script may import, read from its text (relative dots dropped): `a.b` of
    `import a.b`; `a`, `a.x` and `a.y` of `from a import x, y` (x may be a module)."""
    if script.imported_modules is None:
        found: set[str] = set()
        for match in IMPORTED.finditer(script.text):
            if match.group(3):
                found.add(match.group(3))
                continue
            package = match.group(1).lstrip(".")
            names = [name.strip() for name in match.group(2).split(",") if name.strip()]
            found.update(f"{package}.{name}" if package else name for name in names)
            if package:
                found.add(package)
        script.imported_modules = tuple(sorted(found))
    return script.imported_modules


def _is_folder(path: Path) -> bool:
    # A directory named like a file (`config.yaml/`) is a bad input, not a folder to scan.
    return path.is_dir() and kind_of(path) == "other"


def _add(unit: RunUnit, file: SourceFile) -> None:
    if all(existing.absolute != file.absolute for existing in unit.files):
        unit.files.append(file)


def _add_notebook_files(unit: RunUnit, notebook: SourceFile) -> None:
    """What a notebook named on the command line makes besides its own script: its shell
    commands when they launch something, and the training scripts its cells write."""
    for made in notebook.companions:
        if made.launches or (made.kind == "python" and _imports_training_library(made)):
            _add(unit, made)


def _add_named_by_launchers(unit: RunUnit, cache: FileCache) -> None:
    for launcher in list(unit.of_kind("shell")):
        written = _written_files(launcher, unit, cache)
        for command in launcher.launches:
            for candidate in _named_paths(command.script, [a.text for a in command.script_args],
                                          command.accelerate_config):
                made = written.get(Path(candidate).name)
                if made is not None:  # the notebook wrote it before launching it
                    _add(unit, made)
                    continue
                path = _locate(candidate, launcher.absolute.parent)
                found = cache.get(path) if path is not None and kind_of(path) == "python" else \
                    _config_or_none(cache, path)
                if found is not None:
                    _add(unit, found)


def _written_files(launcher: SourceFile, unit: RunUnit, cache: FileCache) -> dict[str, SourceFile]:
    """The files the notebook of a notebook's shell commands writes, by name."""
    if launcher.made_by is None:
        return {}
    notebook = cache.files.get(launcher.made_by) or next(
        (file for file in unit.files if file.absolute == launcher.made_by), None)
    if notebook is None:
        return {}
    return {made.absolute.name: made for made in notebook.companions if made.role.startswith("writefile")}


def _add_named_by_configs(unit: RunUnit, cache: FileCache) -> None:
    """The DeepSpeed JSON an accelerate config names with `deepspeed_config_file`."""
    for config in list(unit.configs("accelerate")):
        name = _deepspeed_file_name(config)
        if name:
            path = _locate(name, config.absolute.parent)
            if path is not None:
                _add(unit, cache.get(path))


def _deepspeed_file_name(config: SourceFile) -> str:
    """The DeepSpeed JSON an accelerate config names (`deepspeed_config_file`), or ""."""
    if config.deepspeed_file is None:
        values = config.config
        section = values.entries.get("deepspeed_config") if isinstance(values, DictValue) else None
        name = section.entries.get("deepspeed_config_file") if isinstance(section, DictValue) else None
        config.deepspeed_file = name.value if isinstance(name, Const) and isinstance(name.value, str) else ""
    return config.deepspeed_file


def _named_paths(script: str, arguments: list[str], accelerate_config: str | None) -> list[str]:
    names = [script] if kind_of(Path(script)) in ("python", *CONFIG_KINDS) else []
    names += [argument.split("=", 1)[-1] for argument in arguments
              if kind_of(Path(argument.split("=", 1)[-1])) in CONFIG_KINDS]
    if accelerate_config:
        names.append(accelerate_config)
    return names


def _locate(name: str, launcher_folder: Path) -> Path | None:
    """A path named on a launch line: beside the launcher, from the current folder, from a
    folder above the launcher up to the project's root (`scripts/train.sh` is run from the
    root, `bash scripts/train.sh`, and names `src/train.py`), or, as a last resort, a file of
    that name beside the launcher."""
    candidates = [launcher_folder / name, Path.cwd() / name]
    if not Path(name).is_absolute():
        candidates += [folder / name for folder in folders_up(launcher_folder)[1:]]
    candidates.append(launcher_folder / Path(name).name)
    for candidate in candidates:
        if is_file(candidate):
            return candidate
    return None


def _add_mentioned(unit: RunUnit, script: SourceFile, by_name: dict[str, list[Path]],
                   cache: FileCache) -> None:
    """The configs of the folder a script names in a string (`open("settings.yaml")`), and
    the files those configs name in turn (`deepspeed: ds_zero3.json`)."""
    pending = [script]
    while pending:
        current = pending.pop()
        names = _mentioned_names(current)
        for name in sorted(names):
            path = _nearest(by_name.get(name, []), current.absolute.parent)
            if path is not None and all(f.absolute != path.absolute() for f in unit.files):
                added = _config_or_none(cache, path)
                if added is not None:
                    _add(unit, added)
                    pending.append(added)


def _config_or_none(cache: FileCache, path: Path | None) -> SourceFile | None:
    """A file a script or launcher names, if it is a config: a mapping of keys. A dataset
    (`--train_file data.json`, JSON lines, a JSON array, a file too large for a config) is
    data, not a config: it is neither checked nor reported."""
    if path is None:
        return None
    named_before = path.absolute() in cache.files
    found = cache.get(path)
    if named_before or (found.problem is None and _is_mapping(found)):
        return found
    if found.kind == "yaml" and found.problem is not None and found.problem.code == "PFT903":
        return found  # a broken YAML config is still a config: its error is worth a finding
    cache.files.pop(path.absolute(), None)
    return None


def _nearest(candidates: list[Path], folder: Path) -> Path | None:
    """The file of that name beside the file that names it, or the only one in the tree; None
    when several folders have one (a name alone cannot say which)."""
    beside = [path for path in candidates if path.absolute().parent == folder]
    if beside:
        return beside[0]
    return candidates[0] if len(candidates) == 1 else None


def _config_strings(value: object, depth: int = 0) -> set[str]:
    """File names among a config's string values."""
    if isinstance(value, Const) and isinstance(value.value, str) and len(value.value) < 300:
        return {Path(value.value).name}
    if isinstance(value, DictValue) and depth < 8:
        return set().union(*(_config_strings(entry, depth + 1) for entry in value.entries.values()))
    return set()


def _folder_units(folder: Path, cache: FileCache) -> list[RunUnit]:
    paths = folder_files(folder)
    units: list[RunUnit] = []
    claimed: set[Path] = set()
    claimed_made: set[int] = set()  # the notebooks' written scripts that a launch claimed
    by_name: dict[str, list[Path]] = {}
    for path in paths:
        if kind_of(path) in CONFIG_KINDS:
            by_name.setdefault(path.name, []).append(path)
    launchers = [cache.get(path) for path in paths if kind_of(path) == "shell"]
    # a notebook's shell commands, and the SageMaker estimators of notebooks and scripts
    launchers += [made for path in paths if kind_of(path) == "python" and _may_launch(path)
                  for made in cache.get(path).companions if made.kind == "shell"]
    for launcher in launchers:
        if not launcher.launches:
            continue
        unit = RunUnit([launcher])
        _add_named_by_launchers(unit, cache)
        for script in unit.of_kind("python"):
            _add_mentioned(unit, script, by_name, cache)
        _add_named_by_configs(unit, cache)
        runs_library_script = any(command.launcher in LIBRARY_SCRIPT_LAUNCHERS
                                  for command in launcher.launches)
        if unit.of_kind("python") or unit.configs("llamafactory") or unit.configs("axolotl") \
                or runs_library_script:
            units.append(unit)
            claimed.update(file.absolute for file in unit.of_kind("python") if not file.role)
            claimed_made.update(id(file) for file in unit.of_kind("python") if file.role)
            claimed.update(file.absolute for file in unit.configs("llamafactory") + unit.configs("axolotl"))
    scripts = [cache.get(path) for path in paths if kind_of(path) == "python"]
    scripts += [made for script in list(scripts) for made in script.companions if made.kind == "python"]
    for script in scripts:
        if id(script) in claimed_made if script.role else script.absolute in claimed:
            continue
        if not _imports_training_library(script):
            continue  # not a training script: not peft-lint's to check, even when it is broken
        unit = RunUnit([script])
        _add_mentioned(unit, script, by_name, cache)
        _add_named_by_configs(unit, cache)
        units.append(unit)
    units += _framework_config_units(paths, claimed, by_name, cache)
    return units


# Launchers that run a library's own script (`trl sft`, `swift sft`): a launch line alone is a run
LIBRARY_SCRIPT_LAUNCHERS = frozenset({"trl", "swift"})
# Keys that make a YAML a LLaMA-Factory or axolotl run (read from the text first, so that a
# folder's other YAML files are not parsed)
FRAMEWORK_CONFIG_KEYS = re.compile(r"^(?:finetuning_type|stage|base_model|adapter)\s*:", re.MULTILINE)


def _framework_config_units(paths: list[Path], claimed: set[Path], by_name: dict[str, list[Path]],
                            cache: FileCache) -> list[RunUnit]:
    """Every LLaMA-Factory and axolotl config no launcher claimed is a run of its own, with the
    DeepSpeed / accelerate configs it names: each is launched as `llamafactory-cli train X.yaml`
    or `axolotl train X.yml`."""
    units: list[RunUnit] = []
    for path in paths:
        if kind_of(path) != "yaml" or path.absolute() in claimed or path.resolve() in claimed:
            continue
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        if not FRAMEWORK_CONFIG_KEYS.search(head):
            continue
        config = cache.get(path)
        if config.config_role not in ("llamafactory", "axolotl"):
            continue
        unit = RunUnit([config])
        _add_mentioned(unit, config, by_name, cache)
        _add_named_by_configs(unit, cache)
        units.append(unit)
    return units


def _may_launch(path: Path) -> bool:
    return path.name.lower().endswith(".ipynb") or path.name.lower().endswith(".py")


def _imports_training_library(script: SourceFile) -> bool:
    """Read from the text, so that finding the runs of a folder parses no script."""
    if script.training_import is None:
        script.training_import = TRAINING_IMPORT.search(script.text) is not None
    return script.training_import


def _mentioned_names(source: SourceFile) -> set[str]:
    """The config names a file mentions: the quoted config paths in a script's text
    (`open("run.yaml")`, f"{folder}/ds_zero3.json"), the file names among a config's values."""
    if source.mentioned_configs is None:
        # a tuple: thousands of these stay while a folder is linted, a frozenset is four times larger
        source.mentioned_configs = tuple(sorted(
            {os.path.basename(match.group(2)) for match in QUOTED_CONFIG.finditer(source.text)}
            if source.kind == "python" else set(_config_strings(source.config))))
    return set(source.mentioned_configs)


def _is_mapping(config: SourceFile) -> bool:
    """Whether a config file's values are a mapping (a config, not a dataset)."""
    if config.is_mapping is None:
        config.is_mapping = isinstance(config.config, DictValue)
    return config.is_mapping
