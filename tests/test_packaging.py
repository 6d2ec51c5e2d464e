"""The wheel carries the rule pack (rules/ as peft_lint.rules) and works on its own."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
                    str(ROOT)], check=True, capture_output=True)
    (built,) = out.glob("peft_lint-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "peft_lint/rules/pft101_adalora_reentrant_gc_ddp/rule.py" in names
    assert "peft_lint/cli.py" in names
    assert "peft_lint/knowledge/data/transformers-5.24.0.json" in names
    assert not [name for name in names if "/cases/" in name], "rule cases stay out of the wheel"
    source = Path(__file__).resolve().parent.parent / "src"
    modules = {str(path.relative_to(source)) for path in source.rglob("*.py")}
    assert not modules - set(names), "every module of src/ is in the wheel (pyproject's packages)"


def test_installed_wheel_lints_the_example(wheel: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True, system_site_packages=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True)
    example = ROOT / "examples" / "adalora-ddp"
    result = subprocess.run(
        [str(environment / "bin" / "peft-lint"), "train.py", "config.yaml", "launch.sh",
         "--output-format", "concise"],
        cwd=example, capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1", "PEFT_LINT_NO_CACHE": "1"})
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("train.py:42:19: PFT101")
    location = subprocess.run([str(python), "-c", "import peft_lint; print(peft_lint.__file__)"],
                              capture_output=True, text=True, check=True, cwd=tmp_path)
    assert str(environment) in location.stdout, "the test must use the installed wheel"
