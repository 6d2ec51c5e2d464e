"""Loading the built-in rules from the `rules/` folder, by path."""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import lru_cache
from pathlib import Path

from peft_lint.engine.rule import Rule

FOLDER = re.compile(r"^pft(\d{3})_([a-z0-9_]+)$")


class RegistryError(Exception):
    pass


def rules_folder() -> Path:
    import peft_lint.rules

    return Path(peft_lint.rules.__file__).parent


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    rules: list[type[Rule]] = []
    for folder in sorted(rules_folder().iterdir()):
        if FOLDER.match(folder.name) and (folder / "rule.py").is_file():
            rules.append(_load(folder))
    return tuple(sorted(rules, key=lambda rule: rule.code))


def _load(folder: Path) -> type[Rule]:
    module_name = f"peft_lint.rules.{folder.name}"
    spec = importlib.util.spec_from_file_location(module_name, folder / "rule.py")
    if spec is None or spec.loader is None:
        raise RegistryError(f"cannot load {folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    found = [value for value in vars(module).values()
             if isinstance(value, type) and issubclass(value, Rule) and value is not Rule
             and value.__module__ == module_name]
    if len(found) != 1:
        raise RegistryError(f"{folder}/rule.py must define exactly one Rule, found {len(found)}")
    return found[0]


def find_rule(selector: str) -> type[Rule] | None:
    wanted = selector.strip().lower()
    for rule in all_rules():
        if rule.code.lower() == wanted or rule.name == wanted:
            return rule
    return None
