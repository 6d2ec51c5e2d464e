"""The content-hash cache: hits on unchanged inputs, misses on any change that matters, and a
hit answered before click, the engine or pydantic is imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HAZARD_SCRIPT, ROOT

from peft_lint import cli
from peft_lint.engine import cache as cache_module
from peft_lint.engine import runner
from peft_lint.engine.runner import LintOptions


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples" / "adalora-ddp", tmp_path / "run",
                    ignore=shutil.ignore_patterns(".peft_lint_cache"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEFT_LINT_NO_CACHE", raising=False)  # the test session turns it off
    return tmp_path


@pytest.fixture
def lints(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """Every real lint the cache lets through."""
    calls: list[list[Path]] = []
    real = runner.lint

    def counting(paths: list[Path], options: LintOptions) -> runner.LintResult:
        calls.append(paths)
        return real(paths, options)

    monkeypatch.setattr(runner, "lint", counting)
    return calls


def cached(paths: list[Path], *options: str) -> tuple[int, str]:
    """`peft-lint check` in this process: (exit status, report)."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()) as output:
        code = cli.main(["--ignore-installed", "--output-format", "json", *options, *map(str, paths)])
    return code, output.getvalue()


def codes(answer: tuple[int, str]) -> list[str]:
    return [d["code"] for d in json.loads(answer[1])["diagnostics"]]


def test_an_unchanged_folder_is_answered_from_the_cache(project: Path, lints: list[list[Path]]) -> None:
    first = cached([Path("run")])
    second = cached([Path("run")])
    assert len(lints) == 1
    assert first == second and codes(second) == ["PFT101"] and second[0] == 1
    assert (project / ".peft_lint_cache" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")


def test_each_command_line_has_its_own_answer(project: Path, lints: list[list[Path]]) -> None:
    assert cached([Path("run")])[0] == 1
    assert cached([Path("run")], "--exit-zero")[0] == 0
    assert cached([Path("run")], "--exit-zero")[0] == 0
    assert len(lints) == 2


@pytest.mark.parametrize("options", [["--no-cache"], ["--diff"], ["--output-file", "report.json"]])
def test_options_that_write_or_refuse_the_cache_always_lint(project: Path, lints: list[list[Path]],
                                                           options: list[str]) -> None:
    cached([Path("run")], *options)
    cached([Path("run")], *options)
    assert len(lints) == 2


def test_a_hit_imports_neither_click_nor_the_engine_nor_pydantic(project: Path) -> None:
    command = [sys.executable, "-X", "importtime", "-m", "peft_lint", "--ignore-installed", "run"]
    environment = {name: value for name, value in os.environ.items() if name != "PEFT_LINT_NO_CACHE"}
    subprocess.run(command, cwd=project, capture_output=True, check=False, env=environment)
    imported = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False,
                              env=environment).stderr
    assert "peft_lint.engine.cache" in imported
    for heavy in ("click", "peft_lint.engine.runner", "pydantic", "importlib.metadata", "yaml"):
        assert f"| {heavy}\n" not in imported and f"  {heavy}\n" not in imported, heavy


@pytest.mark.parametrize("change", ["config", "script", "requirements", "settings", "new file"])
def test_a_change_that_matters_is_a_miss(project: Path, lints: list[list[Path]], change: str) -> None:
    cached([Path("run")])
    run = project / "run"
    if change == "config":
        config = run / "config.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace("ddp_find_unused_parameters: false",
                                                                     "ddp_static_graph: true"),
                          encoding="utf-8")
    elif change == "script":
        (run / "train.py").write_text((run / "train.py").read_text(encoding="utf-8") + "\n# edited\n",
                                      encoding="utf-8")
    elif change == "requirements":
        (project / "requirements.txt").write_text("transformers==5.24.0\n", encoding="utf-8")
    elif change == "settings":
        (project / "peft-lint.toml").write_text('ignore = ["PFT101"]\n', encoding="utf-8")
    else:
        (run / "other.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    result = cached([Path("run")])
    assert len(lints) == 2
    assert codes(result) != [] or change in ("settings", "requirements")


def test_a_damaged_entry_is_a_miss_never_an_error(project: Path, lints: list[list[Path]]) -> None:
    cached([Path("run")])
    for entry in (project / ".peft_lint_cache").rglob("*.json"):
        entry.write_text('{"report": 1}', encoding="utf-8")
    assert codes(cached([Path("run")])) == ["PFT101"]
    assert len(lints) == 2


def test_the_cli_output_is_the_same_from_the_cache_and_no_cache_writes_nothing(project: Path) -> None:
    environment = {name: value for name, value in os.environ.items() if name != "PEFT_LINT_NO_CACHE"}

    def cli(*arguments: str) -> str:
        return subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", *arguments, "run"],
                              cwd=project, capture_output=True, text=True, check=False,
                              env=environment).stdout

    fresh = cli("--no-cache", "--output-format", "json")
    assert not (project / ".peft_lint_cache").exists()
    cli("--output-format", "json")
    assert cli("--output-format", "json") == fresh
    assert json.loads(fresh)["diagnostics"][0]["code"] == "PFT101"


def test_the_cache_keeps_only_the_newest_entries(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "KEPT_ENTRIES", 2)
    script = project / "run" / "train.py"
    for number in range(4):
        script.write_text(script.read_text(encoding="utf-8") + f"\n# edit {number}\n", encoding="utf-8")
        cached([Path("run")])
    (folder,) = [path for path in (project / ".peft_lint_cache").iterdir() if path.is_dir()]
    assert len(list(folder.glob("*.json"))) == 2


def test_the_environment_variable_turns_the_cache_off(project: Path) -> None:
    subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "run"], cwd=project,
                   env={**os.environ, "PEFT_LINT_NO_CACHE": "1"}, capture_output=True, check=False)
    assert not (project / ".peft_lint_cache").exists()


def test_an_installed_library_upgrade_is_a_miss(project: Path, lints: list[list[Path]],
                                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The installed versions count through their .dist-info folders on sys.path, read without
    importlib.metadata: an upgrade renames the folder, and the answer is linted again."""
    site = tmp_path / "site"
    (site / "peft-0.17.1.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    import contextlib
    import io

    def check() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            cli.main(["--output-format", "json", "run"])  # installed versions count here

    check()
    check()
    assert len(lints) == 1
    (site / "peft-0.17.1.dist-info").rename(site / "peft-0.18.1.dist-info")
    check()
    assert len(lints) == 2


def test_the_key_counts_every_library_whose_version_is_read() -> None:
    from peft_lint.inputs.versions import PACKAGES

    assert set(cache_module.INSTALLED) == set(PACKAGES)
