"""peft-lint reads code, it never runs it, and it never touches the network.

Each hostile input would leave a marker file behind if any of it were executed or
deserialized into objects; a socket guard records every attempt to resolve or connect.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from peft_lint.engine.runner import LintOptions, lint

MARKER = "pwned"


def hostile_repository(root: Path) -> Path:
    marker = root / MARKER
    write_marker = f"open({str(marker)!r}, 'w').write('executed')"
    (root / "evil_helpers.py").write_text(f"{write_marker}\n", encoding="utf-8")
    (root / "train.py").write_text(
        f"import evil_helpers\nfrom evil_helpers import *\n{write_marker}\n"
        "exec(compile(\"import os\", \"x\", \"exec\"))\n"
        "__import__('evil_helpers')\n"
        "from transformers import TrainingArguments\n"
        "args = TrainingArguments(output_dir='o', gradient_checkpointing=True)\n", encoding="utf-8")
    (root / "config.yaml").write_text(
        f"output_dir: !!python/object/apply:os.system [\"touch {marker}\"]\n"
        f"run_name: !!python/object/new:subprocess.call [[\"touch\", \"{marker}\"]]\n"
        "gradient_checkpointing: true\n", encoding="utf-8")
    (root / "launch.sh").write_text(f"touch {marker}\n$(touch {marker})\n"
                                    "torchrun --nproc_per_node 2 train.py config.yaml\n", encoding="utf-8")
    (root / "notebook.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                     "cells": [{"cell_type": "code", "metadata": {},
                                                                "outputs": [], "execution_count": 1,
                                                                "source": [f"!touch {marker}\n",
                                                                           f"{write_marker}\n"]}]}),
                                         encoding="utf-8")
    (root / "pyproject.toml").write_text(f"[build-system]\nrequires = []\n# {write_marker}\n",
                                         encoding="utf-8")
    (root / "requirements.txt").write_text(f"-e file://{root}#egg=evil\ntransformers==4.57.6\n",
                                           encoding="utf-8")
    return marker


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    attempts: list[str] = []

    def refuse(*arguments: object, **keywords: object) -> None:
        attempts.append(repr(arguments[:2]))
        raise OSError("network access during a lint")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts


def test_nothing_is_executed_and_nothing_leaves_the_machine(tmp_path: Path,
                                                            network_attempts: list[str]) -> None:
    marker = hostile_repository(tmp_path)
    result = lint([tmp_path], LintOptions(use_installed=False))
    assert result.files  # the inputs were read
    assert not marker.exists()
    assert network_attempts == []
    result = lint(sorted(tmp_path.iterdir()), LintOptions(use_installed=True))
    assert not marker.exists()
    assert network_attempts == []


def test_the_cli_runs_nothing_either(tmp_path: Path) -> None:
    marker = hostile_repository(tmp_path)
    for arguments in (["."], ["explain", "train.py", "config.yaml", "launch.sh"],
                      ["--fix", "--unsafe-fixes", "."], ["--output-format", "sarif", "."]):
        subprocess.run([sys.executable, "-m", "peft_lint", *arguments], cwd=tmp_path,
                       capture_output=True, text=True, check=False)
        assert not marker.exists(), arguments
    # the inputs are live: importing the helper module does leave the marker
    subprocess.run([sys.executable, "-c", "import evil_helpers"], cwd=tmp_path, check=True)
    assert marker.exists()
