"""Property-based robustness: damaged and hostile inputs never crash peft-lint.

For every front-end (Python, YAML, JSON, TOML settings, shell launchers, notebooks,
requirements files) hypothesis mutates a realistic file with the things that break parsers:
NUL bytes, invalid UTF-8, a BOM, CRLF, mixed tabs, deep nesting, huge integers, YAML
anchors, aliases and tags, duplicate keys. Each example is linted in-process next to an intact
hazard script in its own folder, and rendered in every output format. The property: no
exception escapes, and the intact script's finding is still reported.

The example budget is fixed and the search derandomized, so CI runs the same examples every
time; inputs that once crashed are kept in tests/regressions/ and linted by
test_regression_inputs_lint_cleanly.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import HAZARD_SCRIPT, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peft_lint.engine.runner import LintOptions, LintResult, lint
from peft_lint.output.ci_formats import render_github, render_junit, render_sarif
from peft_lint.output.json_format import render_json
from peft_lint.output.text import render_full

# CI's fixed budget, the same examples every run; a longer hunt over new inputs:
# PEFT_LINT_FUZZ_EXAMPLES=2000 PEFT_LINT_FUZZ_RANDOM=1 python -m pytest tests/test_fuzz.py
EXAMPLES_PER_FRONT_END = int(os.environ.get("PEFT_LINT_FUZZ_EXAMPLES", "40"))
DERANDOMIZE = os.environ.get("PEFT_LINT_FUZZ_RANDOM") != "1"
HAZARD_CODE = "PFT303"  # load_in_8bit= passed to from_pretrained, in HAZARD_SCRIPT

SEEDS: dict[str, str] = {
    "train.py": (ROOT / "examples/adalora-ddp/train.py").read_text(encoding="utf-8"),
    "config.yaml": (ROOT / "examples/adalora-ddp/config.yaml").read_text(encoding="utf-8"),
    "ds_config.json": json.dumps({"zero_optimization": {"stage": 3}, "bf16": {"enabled": True},
                                  "train_micro_batch_size_per_gpu": 4}, indent=2),
    "pyproject.toml": '[tool.peft-lint]\nselect = ["ALL"]\nignore = ["PFT307"]\n'
                      '[tool.peft-lint.per-file-ignores]\n"legacy/*.py" = ["PFT6"]\n',
    "launch.sh": "#!/bin/bash\nexport CUDA_VISIBLE_DEVICES=0,1\n"
                 "torchrun --nproc_per_node 2 train.py --config config.yaml \\\n  --bf16 true\n",
    "nb.ipynb": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": ["!pip install peft\n", "from peft import LoraConfig, get_peft_model\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
         "source": ["model = get_peft_model(model, LoraConfig(r=8))\n", "%time model.train()"]}]}),
    "requirements.txt": "torch==2.13.0\ntransformers>=4.46,<5\npeft==0.15.2\n# comment\n-e .\n",
}

# The fragments that break parsers, inserted or substituted at random places.
PAYLOADS: list[bytes] = [
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r\n", b"\r", b"\t", b"\t  \t", b"\\", b"\n\n\n",
    b"(" * 3000, b"[" * 3000, b"{" * 3000, b"-" * 2000, b"- " * 500,
    b"9" * 5000, b"1e999999", b"0x" + b"f" * 3000,
    b"&a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b]\n", b"*undefined",
    b"<<: *a", b"!!python/object/apply:os.system ['touch pwned']", b"!!binary", b"? ",
    b"key: 1\nkey: 2\n", b'"', b"'''", b'"""', b"#", b"# peft-lint: ignore[", b"${", b"$(", b"`",
    "\u00e9\u4e2d\U0001f600".encode(), b"\x1b[31m", b"\xc3", b"\n" * 200,
]

mutation = st.tuples(st.sampled_from(["insert", "replace", "truncate", "duplicate"]),
                     st.floats(0, 1), st.sampled_from(PAYLOADS))


def mutate(data: bytes, mutations: list[tuple[str, float, bytes]]) -> bytes:
    for kind, where, payload in mutations:
        position = int(where * len(data))
        if kind == "insert":
            data = data[:position] + payload + data[position:]
        elif kind == "replace":
            data = data[:position] + payload + data[position + len(payload):]
        elif kind == "truncate":
            data = data[:position]
        else:
            data = data[:position] + data[position:] * 2
    return data


def lint_next_to_hazard(name: str, data: bytes) -> LintResult:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        damaged, intact = root / "damaged", root / "intact"
        damaged.mkdir()
        intact.mkdir()
        (damaged / name).write_bytes(data)
        (intact / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
        result = lint([damaged / name, intact], LintOptions(use_installed=False))
        for render in (render_json, render_sarif, render_github, render_junit):
            render(result)
        render_full(result, io.StringIO())
        return result


def check(name: str, data: bytes) -> None:
    result = lint_next_to_hazard(name, data)
    assert [d.code for d in result.diagnostics if d.span.path.endswith("train.py")
            and "intact" in d.span.path] == [HAZARD_CODE]


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_front_end_survives_mutations(name: str) -> None:
    seed = SEEDS[name].encode()

    @settings(max_examples=EXAMPLES_PER_FRONT_END, deadline=None, derandomize=DERANDOMIZE, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(mutation, min_size=1, max_size=4))
    def property_holds(mutations: list[tuple[str, float, bytes]]) -> None:
        check(name, mutate(seed, mutations))

    property_holds()


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_front_end_survives_random_bytes(name: str) -> None:
    @settings(max_examples=EXAMPLES_PER_FRONT_END // 2, deadline=None, derandomize=DERANDOMIZE,
              database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=400))
    def property_holds(data: bytes) -> None:
        check(name, data)

    property_holds()


def test_big_file_is_refused_quickly() -> None:
    """A 10 MB script is over the per-file limit: one PFT901, the rest still checked."""
    data = b"x = 1\n" * (10 * 1024 * 1024 // 6)
    result = lint_next_to_hazard("generated.py", data)
    codes = sorted(d.code for d in result.diagnostics)
    assert codes == ["PFT303", "PFT901"]


REGRESSIONS = ROOT / "tests" / "regressions"


@pytest.mark.parametrize("path", sorted(p for p in REGRESSIONS.iterdir() if p.is_file()
                                        and p.name != "README.md"), ids=lambda p: p.name)
def test_regression_inputs_lint_cleanly(path: Path, tmp_path: Path) -> None:
    name = path.name.split("--", 1)[-1]  # `<what broke>--<file name the front-end needs>`
    shutil.copy(path, tmp_path / name)
    check(name, (tmp_path / name).read_bytes())


def test_code_frames_of_long_lines_stay_short() -> None:
    """A finding on a minified or generated line prints a window of it, not the whole line."""
    line = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    result = lint_next_to_hazard("long.py", b"import transformers\n" + line.encode())
    rendered = render_full(result, io.StringIO())
    assert max(len(printed) for printed in rendered.splitlines()
               if not printed.startswith("versions:")) < 200


def test_python_warnings_about_the_users_code_are_not_printed(tmp_path: Path) -> None:
    """ast.parse warns about invalid escapes in the user's strings; peft-lint stays quiet."""
    import subprocess
    import sys

    shutil.copy(REGRESSIONS / "invalid-escape--train.py", tmp_path / "train.py")
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "train.py"],
                               cwd=tmp_path, capture_output=True, text=True, check=False)
    assert "Warning" not in completed.stderr, completed.stderr


def billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join([*lines, "gradient_checkpointing: true", "deep: {x: *i}"]) + "\n"


def test_yaml_alias_bombs_stay_small(tmp_path: Path) -> None:
    """9^9 expanded strings if anything walked the aliases out: read as a shared graph, the
    config is checked in well under the test's timeout, in folder mode and named."""
    import subprocess
    import sys

    (tmp_path / "bomb.yaml").write_text(billion_laughs(), encoding="utf-8")
    (tmp_path / "train.py").write_text(
        "import yaml\nfrom transformers import AutoModelForCausalLM, Trainer, TrainingArguments\n"
        "args = TrainingArguments(**yaml.safe_load(open(\"bomb.yaml\")))\n"
        "Trainer(model=AutoModelForCausalLM.from_pretrained(\"gpt2\"), args=args).train()\n",
        encoding="utf-8")
    for arguments in (["."], ["train.py", "bomb.yaml"], ["explain", "train.py", "bomb.yaml"]):
        completed = subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", *arguments],
                                   cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60)
        assert completed.returncode in (0, 1), completed.stderr
    assert "PFT701" in completed.stdout or arguments[0] == "explain"


def test_folder_mode_survives_symlink_loops_and_files_it_cannot_read(tmp_path: Path) -> None:
    import os

    (tmp_path / "intact").mkdir()
    (tmp_path / "intact" / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path)                   # a folder that contains itself
    (tmp_path / "self").symlink_to(tmp_path / "self")          # a link to itself
    (tmp_path / "dangling.py").symlink_to(tmp_path / "gone.py")
    locked = tmp_path / "locked.py"
    locked.write_text(HAZARD_SCRIPT, encoding="utf-8")
    locked.chmod(0)  # unreadable, unless the tests run as root
    fifo = tmp_path / "pipe.yaml"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)  # a named pipe would block a naive reader forever
    result = lint([tmp_path], LintOptions(use_installed=False))
    assert [d.code for d in result.diagnostics if "intact" in d.span.path] == [HAZARD_CODE]
    # the CLI too, whose cache hashes every file it could read (a pipe would block that)
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "."],
                               cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60)
    assert "intact/train.py" in completed.stdout and completed.returncode == 1, completed.stderr
    if fifo.exists():  # named on the command line: one PFT901, twice (the second run hashes it)
        for _ in range(2):
            completed = subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed",
                                        "pipe.yaml"], cwd=tmp_path, capture_output=True, text=True,
                                       check=False, timeout=60)
            assert "PFT901" in completed.stdout, completed.stderr
    locked.chmod(0o600)
