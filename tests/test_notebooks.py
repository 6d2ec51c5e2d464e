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
    {"cell_type": "code", "source": "%%html\n  <b>not python</b>\n"},
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
    assert "PFT901" in completed.stdout and "not a readable notebook (not JSON)" in completed.stdout


def test_an_empty_notebook_is_not_invalid_python(tmp_path: Path) -> None:
    (tmp_path / "finetune.ipynb").write_text("", encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--output-format", "concise",
                                "finetune.ipynb"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert completed.returncode == 0 and "PFT90" not in completed.stdout


def write_notebook(path: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []} for source in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")
    return path


def run_json(folder: Path, *arguments: str) -> dict[str, object]:
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "--no-cache",
                                "--output-format", "json", *arguments], cwd=folder, capture_output=True,
                               text=True, check=False)
    assert completed.returncode in (0, 1), completed.stderr
    document: dict[str, object] = json.loads(completed.stdout)
    return document


TRAIN_CELL = ("from transformers import Trainer, TrainingArguments\n"
              "args = TrainingArguments(output_dir='o', evaluation_strategy='steps')\n"
              "Trainer(model=None, args=args, eval_dataset=[]).train()\n")


def findings(document: dict[str, object]) -> list[tuple[str, object, object]]:
    diagnostics = document["diagnostics"]
    assert isinstance(diagnostics, list)
    return [(d["code"], d.get("cell"), d.get("cell_line")) for d in diagnostics]


def test_cell_magic_bodies_are_read_as_ipython_runs_them(tmp_path: Path) -> None:
    """%%capture / %%time run their body as Python; %%bash and %%html are no Python at all;
    indented shell lines inside them are not "unexpected indent"."""
    write_notebook(tmp_path / "nb.ipynb",
                   "%%capture\n!pip install -q peft\nif True:\n    !pip install -q trl\n",
                   "%%bash\n  if true; then\n    echo ok\n  fi\n",
                   "%%html\n   <div>\n",
                   "\n%%time\n" + TRAIN_CELL)
    document = run_json(tmp_path, "--target-version", "transformers==5.24.0", "nb.ipynb")
    assert findings(document) == [("PFT701", 4, 4)]  # the %%time body is the run


def test_shell_continuations_are_not_python(tmp_path: Path) -> None:
    write_notebook(tmp_path / "nb.ipynb",
                   "!pip install -q \\\n    peft \\\n    trl\n%pip install \\\n   accelerate\nimport os\n",
                   "def f():\n    '''docs\n!not a shell line\n'''\n    return 1\n",
                   "    import os\n    files = !ls\n    os.path?\n    %time print(files)\n")
    assert findings(run_json(tmp_path, "nb.ipynb")) == []


def test_notebook_pip_pins_pin_the_run(tmp_path: Path) -> None:
    """A version installed by the notebook itself beats the requirements file beside it."""
    (tmp_path / "requirements.txt").write_text("transformers==4.57.6\n", encoding="utf-8")
    write_notebook(tmp_path / "nb.ipynb", '%%capture\n!pip install -q "transformers==4.46.3" \\\n  peft\n',
                   TRAIN_CELL)
    document = run_json(tmp_path, "nb.ipynb")
    assert findings(document) == []  # evaluation_strategy is a field in 4.46.3
    environment = document["environment"]
    assert isinstance(environment, dict)
    assert environment["transformers"] == {"version": "4.46.3", "source": "pin:nb.ipynb (cell 1)"}
    write_notebook(tmp_path / "nb.ipynb", "!pip install transformers==4.46.3\n!pip install -U transformers\n",
                   TRAIN_CELL)  # a later unpinned upgrade: the requirements file decides again
    assert findings(run_json(tmp_path, "nb.ipynb")) == [("PFT701", 2, 2)]


def test_writefile_cell_is_a_script_launched_by_the_notebook(tmp_path: Path) -> None:
    write_notebook(tmp_path / "nb.ipynb",
                   "!pip install transformers==4.57.6\n",
                   "%%writefile train.py\n" + TRAIN_CELL,
                   "!accelerate launch --num_processes 2 train.py\n")
    for named in ("nb.ipynb", "."):
        document = run_json(tmp_path, named)
        assert findings(document) == [("PFT701", 2, 3)], named
        diagnostics = document["diagnostics"]
        assert isinstance(diagnostics, list) and diagnostics[0]["path"] == "nb.ipynb"
    assert not (tmp_path / "train.py").exists()


def test_python_newer_than_the_interpreter_is_a_note_not_an_error(tmp_path: Path) -> None:
    source = 'songs = {"a": 1}\nprint(f"{songs["a"]}")\n' + TRAIN_CELL
    (tmp_path / "train.py").write_text(source, encoding="utf-8")
    write_notebook(tmp_path / "nb.ipynb", source)
    (tmp_path / "broken.py").write_text("from peft import LoraConfig\nx = (\n", encoding="utf-8")
    document = run_json(tmp_path, "--target-version", "transformers==5.24.0", ".")
    if sys.version_info >= (3, 12):
        assert findings(document) == [("PFT902", None, None), ("PFT701", 1, 4), ("PFT701", None, None)]
        return
    diagnostics = document["diagnostics"]
    assert isinstance(diagnostics, list)
    assert [(d["code"], d["path"]) for d in diagnostics] == [("PFT902", "broken.py")]
    notes = document["notes"]
    assert isinstance(notes, list)
    assert any(note.startswith("nb.ipynb is valid Python 3.12 or later") for note in notes), notes
    assert any(note.startswith("train.py is valid Python 3.12 or later") for note in notes), notes


def test_a_cell_that_does_not_parse_fails_alone(tmp_path: Path) -> None:
    """IPython compiles each cell on its own: a broken cell is reported where it is, and the
    other cells are still checked."""
    write_notebook(tmp_path / "nb.ipynb",
                   "def show(path):\n    '''Show a file.\n",  # an unterminated docstring
                   "def other():\n    '''Docs.'''\n    return 1\n",
                   "trainer = Trainer(model=model, ...)\n",  # placeholder code from a doc page
                   TRAIN_CELL)
    document = run_json(tmp_path, "--target-version", "transformers==5.24.0", "nb.ipynb")
    assert findings(document) == [("PFT902", 1, 2), ("PFT902", 3, 1), ("PFT701", 4, 2)]


def test_pip_cell_pins_are_read_as_pip_reads_them(tmp_path: Path) -> None:
    """A notebook's `!pip install` words are PEP 508 requirements (packaging): extras, ranges,
    wildcards."""
    write_notebook(tmp_path / "nb.ipynb",
                   '!pip install -q "transformers[torch]>=4.57,<5" \'peft==0.17.*\'\n', TRAIN_CELL)
    environment = run_json(tmp_path, "nb.ipynb")["environment"]
    assert isinstance(environment, dict)
    assert environment["transformers"] == {"version": "4.57.6", "source": "range:nb.ipynb (cell 1):>=4.57,<5"}
    assert environment["peft"] == {"version": "0.17.1", "source": "range:nb.ipynb (cell 1):==0.17.*"}
