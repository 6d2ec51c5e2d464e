"""Damaged and odd inputs never crash the linter (a fixed budget of mutations of real cases)."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import ROOT, all_cases

from peft_lint.engine.runner import LintOptions, lint

SEED = 20261128
MUTATIONS = 120


def mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    if not lines:
        return text
    choice = rng.randrange(5)
    index = rng.randrange(len(lines))
    if choice == 0:
        del lines[index]
    elif choice == 1:
        lines.insert(index, lines[rng.randrange(len(lines))])
    elif choice == 2:
        lines[index] = lines[index][: rng.randrange(len(lines[index]) + 1)]
    elif choice == 3:
        lines[index] = "    " + lines[index]
    else:
        lines[index] = lines[index].replace("=", "==", 1)
    return "\n".join(lines) + "\n"


def test_mutated_cases_never_crash(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    sources = [path for case in all_cases() for path in case.iterdir()
               if path.suffix in (".py", ".yaml", ".yml", ".json", ".sh")]
    for number in range(MUTATIONS):
        source = rng.choice(sources)
        folder = tmp_path / str(number)
        folder.mkdir()
        for sibling in source.parent.iterdir():
            if sibling.is_file():
                (folder / sibling.name).write_bytes(sibling.read_bytes())
        target = folder / source.name
        target.write_text(mutate(source.read_text(encoding="utf-8", errors="replace"), rng), encoding="utf-8")
        suffixes = (".py", ".yaml", ".yml", ".json", ".sh")
        inputs = [path for path in folder.iterdir() if path.suffix in suffixes]
        lint(inputs, LintOptions(use_installed=False))  # must not raise


def test_corpus_folder_and_rules_folder_lint_without_error() -> None:
    for folder in (ROOT / "corpus", ROOT / "rules", ROOT / "examples"):
        lint([folder], LintOptions(use_installed=False))
