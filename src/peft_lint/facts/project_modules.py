"""Finding the project's own modules a script imports (read, never imported)."""

from __future__ import annotations

import ast
from pathlib import Path

from peft_lint.extract.python_script import ModuleLoader
from peft_lint.facts.context import Context
from peft_lint.inputs.files import SourceFile, is_file
from peft_lint.inputs.paths import folders_up

# The project modules read in this lint, by file (None: unreadable), and where each import
# statement's module was found (None: not a file of the project): folders share modules, so each
# is found and parsed once per lint. Cleared when a lint starts (`forget_modules`).
_MODULE_FILES: dict[Path, SourceFile | None] = {}


_FOUND_MODULES: dict[tuple[str, int, Path], Path | None] = {}
# the lookups kept (the oldest go first): one folder's imports are looked up together
FOUND_MODULES_KEPT = 256


def forget_modules() -> None:
    from peft_lint.extract import python_script

    _MODULE_FILES.clear()
    _FOUND_MODULES.clear()
    python_script.forget_modules()


def find_module(name: str, level: int, origin: Path) -> Path | None:

    key = (name, level, origin.parent)
    if key in _FOUND_MODULES:
        return _FOUND_MODULES[key]
    parts = [part for part in name.split(".") if part]
    if level:
        base = origin.parent
        for _ in range(level - 1):
            base = base.parent
        roots = [base]
    else:
        # beside the file, above its package, then the folders up to the project's root (a
        # namespace package without __init__.py, or a script run from the root: `python
        # scripts/train.py` with the project installed, `import project.module`)
        roots = list(dict.fromkeys([origin.parent, *package_roots(origin.parent),
                                    *folders_up(origin.parent)[1:]]))
    found: Path | None = None
    for root in roots:
        target = root.joinpath(*parts) if parts else root
        module_file = (target.parent / f"{target.name}.py") if parts else None
        found = next((candidate for candidate in (module_file, target / "__init__.py")
                      if candidate is not None and is_file(candidate)), None)
        if found is not None:
            break
    if len(_FOUND_MODULES) >= FOUND_MODULES_KEPT:  # a folder of thousands of runs: stay flat
        del _FOUND_MODULES[next(iter(_FOUND_MODULES))]
    _FOUND_MODULES[key] = found
    return found


def module_loader(context: Context, script: SourceFile) -> ModuleLoader:
    """Finds the project's modules a script imports (never importing them): a module beside the
    importing file, in its package root, or written by the same notebook; each is read once
    per unit and becomes a file of the run."""
    from peft_lint.inputs.files import read_source

    absolute_of = {script.path: script.absolute}
    written = {made.absolute.name: made for file in context.unit.files for made in file.companions
               if made.role.startswith("writefile") and made.kind == "python"}
    by_absolute = {module.absolute: module for module in context.unit.modules}

    def load(name: str, level: int, importer: str) -> tuple[str, ast.Module] | None:
        origin = absolute_of.get(importer)
        if origin is None:
            return None
        parts = [part for part in name.split(".") if part]
        if not level and len(parts) == 1 and f"{parts[0]}.py" in written and written[f"{parts[0]}.py"].tree:
            made = written[f"{parts[0]}.py"]
            absolute_of[made.path] = made.absolute
            return made.path, made.tree  # type: ignore[return-value]
        found = find_module(name, level, origin)
        if found is None or found.resolve() == script.absolute:
            return None
        resolved = found.resolve()
        if resolved not in _MODULE_FILES:
            source = read_source(found)
            _MODULE_FILES[resolved] = source if source.tree is not None else None
        source = _MODULE_FILES[resolved]
        if source is None or source.tree is None:
            return None  # unreadable: its names stay unknown
        if source.absolute not in by_absolute:
            by_absolute[source.absolute] = source
            context.unit.modules.append(source)
        absolute_of[source.path] = source.absolute
        return source.path, source.tree

    return load


def package_roots(folder: Path) -> list[Path]:
    """The folder above the package the folder belongs to (where `import package.module` starts)."""
    current = folder
    for _ in range(8):
        if not (current / "__init__.py").is_file() or current.parent == current:
            break
        current = current.parent
    return [current] if current != folder else []
