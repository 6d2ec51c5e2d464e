"""The same files give the same output, whatever Python's hash seed (sets, dicts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_output_does_not_depend_on_hash_seed() -> None:
    outputs = []
    # seeds 0 and 5 order {"query", "value"} differently: the regression this test guards
    for seed in ("0", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
        result = subprocess.run([sys.executable, "-m", "peft_lint", "rules", "--output-format", "json"],
                                capture_output=True, text=True, env=env, check=False)
        folder = subprocess.run([sys.executable, "-m", "peft_lint", str(ROOT / "rules"), "--ignore-installed",
                                 "--output-format", "json", "--no-cache"], capture_output=True, text=True,
                                env=env, check=False, cwd=ROOT)
        outputs.append(result.stdout + folder.stdout)
    assert outputs[0] == outputs[1]


def test_worker_processes_give_the_same_output_as_one_process(tmp_path: Path) -> None:
    """Folder mode in 1, 2 and 3 processes: the same findings, notes and order, byte for byte;
    a syntax error that only a worker parses is still reported."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--units", "24", "--out",
                    str(tmp_path / "corpus")], check=True, capture_output=True)
    broken = tmp_path / "corpus" / "unit0003" / "train.py"
    broken.write_text(broken.read_text(encoding="utf-8") + "\ndef broken(:\n", encoding="utf-8")
    outputs = [subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "--no-cache",
                               "--output-format", "json", "--jobs", jobs, "corpus"],
                              cwd=tmp_path, capture_output=True, text=True, check=False).stdout
               for jobs in ("1", "2", "3")]
    assert outputs[0] == outputs[1] == outputs[2]
    codes = [d["code"] for d in json.loads(outputs[0])["diagnostics"]]
    assert "PFT902" in codes and len(codes) > 1


def test_workers_read_what_notebooks_make(tmp_path: Path) -> None:
    """A notebook's %%writefile scripts, its launches, its broken cells and a SageMaker
    estimator's entry point are linted the same in worker processes as in one process."""
    def notebook(*sources: str) -> str:
        return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                           "cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                      "source": source} for source in sources]})

    train = ("from transformers import Trainer, TrainingArguments\n"
             "Trainer(model=None, args=TrainingArguments(output_dir='o', bogus_key=1)).train()\n")
    for number in range(12):
        folder = tmp_path / "runs" / f"run{number:02d}"
        (folder / "scripts").mkdir(parents=True)
        (folder / "nb.ipynb").write_text(notebook("!pip install transformers==4.46.3\n",
                                                  "%%writefile train.py\n" + train,
                                                  "import transformers\nx = (\n",
                                                  "!accelerate launch --num_processes 2 train.py\n"),
                                         encoding="utf-8")
        (folder / "scripts" / "entry.py").write_text(train, encoding="utf-8")
        (folder / "launch.py").write_text("from sagemaker.huggingface import HuggingFace\n"
                                          "HuggingFace(entry_point='entry.py', source_dir='scripts',\n"
                                          "            transformers_version='4.40', hyperparameters={})\n",
                                          encoding="utf-8")
    outputs = [subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "--no-cache",
                               "--output-format", "json", "--jobs", jobs, "runs"],
                              cwd=tmp_path, capture_output=True, text=True, check=False).stdout
               for jobs in ("1", "2")]
    assert outputs[0] == outputs[1]
    found = json.loads(outputs[0])
    codes = sorted({(d["code"], d["path"].rsplit("/", 1)[-1]) for d in found["diagnostics"]})
    assert codes == [("PFT701", "entry.py"), ("PFT701", "nb.ipynb"), ("PFT902", "nb.ipynb")]
    assert len(found["diagnostics"]) == 36
