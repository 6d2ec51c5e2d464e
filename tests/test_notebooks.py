"""Jupyter notebooks: code cells linted as one script, findings reported by cell and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CELLS = [
    {"cell_type": "code", "source": ["!pip install -q peft transformers\n", "%matplotlib inline"]},
    {"cell_type": "markdown", "source": ["# Load the model in 8-bit"]},
    {"cell_type": "code", "source": ["from peft import LoraConfig, get_peft_model\n",
                                     "from transformers import AutoModelForCausalLM, Trainer, "
                                     "TrainingArguments\n",
                                     "\n",
                                     'model = AutoModelForCausalLM.from_pretrained("facebook/opt-350m", '
                                     "load_in_8bit=True)\n",
                                     "model?"]},
    {"cell_type": "code", "source": "%%time\nthis is not python\n"},
    {"cell_type": "code", "source": "model = get_peft_model(model, LoraConfig(target_modules=['q_proj']))\n"
                                    "Trainer(model=model, args=TrainingArguments(output_dir='o')).train()\n"},
]


def lint(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    notebook = folder / "finetune.ipynb"
    notebook.write_text(json.dumps({"cells": CELLS, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                        encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed",
                           "--target-version", "transformers==5.24.0", *arguments, "finetune.ipynb"],
                          cwd=folder, capture_output=True, text=True, check=False)


def test_notebook_finding_is_located_by_cell(tmp_path: Path) -> None:
    completed = lint(tmp_path, "--output-format", "concise")
    assert completed.returncode == 1
    assert completed.stdout.startswith("finetune.ipynb:cell 3:line 4: PFT303"), completed.stdout
    full = lint(tmp_path).stdout
    assert "  4 | model = AutoModelForCausalLM" in full  # the frame numbers lines inside the cell


def test_notebook_json_keeps_script_line_and_adds_cell(tmp_path: Path) -> None:
    (diagnostic,) = json.loads(lint(tmp_path, "--output-format", "json").stdout)["diagnostics"]
    assert (diagnostic["cell"], diagnostic["cell_line"]) == (3, 4)


def test_broken_notebook_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "finetune.ipynb").write_text("{not json", encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--output-format", "concise",
                                "finetune.ipynb"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert completed.returncode == 1
    assert "PFT902" in completed.stdout and "invalid notebook" in completed.stdout
