"""The CLI as a user runs it: formats, exit codes, bad input, no heavy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from peft_lint.cli import main

EXAMPLE = ROOT / "examples" / "adalora-ddp"
HEAVY = ("torch", "transformers", "peft", "trl", "accelerate")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def in_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    monkeypatch.setenv("NO_COLOR", "1")


def test_full_output_shows_the_founding_finding(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["train.py", "config.yaml", "launch.sh", "--ignore-installed"], capsys)
    assert code == 1
    assert "train.py:42:19: PFT101 [error] adalora-reentrant-gc-ddp" in out
    assert "Expected to mark a variable ready only once" in out
    assert "config.yaml:10: gradient_checkpointing: true" in out
    assert "launch.sh:3: torchrun --nproc_per_node 2 train.py config.yaml" in out
    assert "help: set gradient_checkpointing_kwargs: {use_reentrant: false} in config.yaml" in out
    assert "do NOT fix this" in out
    assert "transformers 4.57.6 (pinned in requirements.txt)" in out
    assert "Found 1 error (3 files, 1 run unit)." in out


def test_check_subcommand_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    code_a, out_a, _ = run(["check", "train.py", "config.yaml", "launch.sh"], capsys)
    code_b, out_b, _ = run(["train.py", "config.yaml", "launch.sh"], capsys)
    assert (code_a, out_a) == (code_b, out_b)


def test_transformers_5_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["train.py", "config.yaml", "launch.sh",
                        "--target-version", "transformers==5.24.0"], capsys)
    assert code == 0
    assert "All checks passed" in out
    assert "transformers 5.24.0 (from --target-version)" in out


def test_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--output-format", "json", "train.py", "config.yaml", "launch.sh"], capsys)
    document = json.loads(out)
    assert code == 1
    assert document["environment"]["transformers"] == {"version": "4.57.6",
                                                       "source": "pin:requirements.txt"}
    (diagnostic,) = document["diagnostics"]
    for key in ("code", "name", "severity", "message", "path", "line", "column", "end_line",
                "end_column", "related", "fix", "url"):
        assert key in diagnostic
    assert diagnostic["code"] == "PFT101" and diagnostic["line"] == 42
    assert {"path": "launch.sh", "line": 3}.items() <= diagnostic["related"][2].items()
    assert document["summary"] == {"files": 3, "units": 1, "errors": 1, "warnings": 0, "infos": 0}


def test_concise_output(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["--output-format", "concise", "train.py", "config.yaml", "launch.sh"], capsys)
    assert out.startswith("train.py:42:19: PFT101 [error] adalora-reentrant-gc-ddp: AdaLoRA")
    assert len(out.splitlines()) == 1


def test_world_size_flag_stands_in_for_a_launcher(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["train.py", "config.yaml"], capsys)
    assert code == 0
    code, out, _ = run(["train.py", "config.yaml", "--world-size", "2"], capsys)
    assert code == 1 and "PFT101" in out


def test_rules_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules", "--output-format", "json"], capsys)
    rules = json.loads(out)
    assert code == 0
    assert {"code": "PFT101", "name": "adalora-reentrant-gc-ddp", "severity": "error"}.items() \
        <= rules[0].items()
    assert all({"code", "name", "severity", "summary"} <= set(rule) for rule in rules)
    # each rule says what it rests on, and how it was reproduced or why it could not be on a CPU
    assert all(rule["evidence"] for rule in rules)
    assert all(bool(rule.get("reproduction")) != bool(rule.get("reproduction_exempt")) for rule in rules)
    removed = next(rule for rule in rules if rule["code"] == "PFT803")
    assert removed["reproduction"].endswith("[PFT803]")
    assert any("huggingface/transformers/pull/41128" in item for item in removed["evidence"])
    code, out, _ = run(["rules"], capsys)
    assert "PFT403  adalora-invalid-schedule" in out


def test_rule_docs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rule", "adalora-reentrant-gc-ddp"], capsys)
    assert code == 0 and "## Why is this bad?" in out and "PFT101" in out
    code, _, err = run(["rule", "PFT999"], capsys)
    assert code == 2 and "no rule" in err


@pytest.mark.parametrize("args", [[], ["--target-version", "transformers"],
                                  ["train.py", "--world-size", "0"], ["--no-such-flag", "x"]])
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(args, capsys)[0] == 2


def test_internal_error_is_one_line_and_exit_3(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import peft_lint.engine.runner as runner

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "lint", broken)
    code, out, err = run(["train.py"], capsys)
    assert code == 3
    assert err.count("\n") == 1 and "internal error" in err and "report" in err
    assert "Traceback" not in err + out


BAD_INPUTS = {
    "syntax.py": (b"def f(:\n    pass\n", "PFT902", 1),
    "broken.yaml": (b"a: [1, 2\nb: 3\n", "PFT903", 2),
    "broken.json": (b'{"a": 1,,}', "PFT903", 1),
    "latin1.yaml": (b"name: caf\xe9\n", "PFT901", 1),
    "blob.json": (b"\x00\x01binary", "PFT901", 1),
}


def test_every_bad_input_is_a_diagnostic_and_the_rest_is_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name, (data, _, _) in BAD_INPUTS.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder.yaml").mkdir()
    for name in ("train.py", "config.yaml", "launch.sh", "requirements.txt"):
        (tmp_path / name).write_bytes((EXAMPLE / name).read_bytes())
    monkeypatch.chdir(tmp_path)
    names = [*BAD_INPUTS, "folder.yaml", "missing.yaml", "train.py", "config.yaml", "launch.sh"]
    code, out, err = run(["--output-format", "json", *names], capsys)
    document = json.loads(out)
    found = {(d["path"], d["code"], d["line"]) for d in document["diagnostics"]}
    for name, (_, expected_code, line) in BAD_INPUTS.items():
        assert (name, expected_code, line) in found
    assert ("folder.yaml", "PFT901", 1) in found
    assert ("missing.yaml", "PFT901", 1) in found
    assert ("train.py", "PFT101", 42) in found, "the good files are still checked"
    assert code == 1 and err == ""


def test_check_imports_no_training_library(tmp_path: Path) -> None:
    # Stand-ins that fail loudly when imported, first on the path, so the test can fail
    # whether or not the real libraries are installed.
    for name in HEAVY:
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text(f"raise ImportError('peft-lint imported {name}')\n")
    script = (
        "import sys\n"
        "from peft_lint.cli import main\n"
        "code = main(['train.py', 'config.yaml', 'launch.sh', '--output-format', 'json'])\n"
        f"heavy = [name for name in {HEAVY!r} if name in sys.modules]\n"
        "print('HEAVY', heavy, 'EXIT', code, file=sys.stderr)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "src")])}
    result = subprocess.run([sys.executable, "-c", script], cwd=EXAMPLE, capture_output=True,
                            text=True, check=False, env=env)
    assert "HEAVY [] EXIT 1" in result.stderr, result.stderr


def test_console_script_runs(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "peft_lint", "--version"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("peft-lint ")


def test_folder_mode_finds_every_run(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "corpus")
    code, out, _ = run([".", "--output-format", "json", "--ignore-installed"], capsys)
    document = json.loads(out)
    assert code == 1
    runs = [path for path in Path(".").iterdir() if path.is_dir() and not path.name.startswith(".")]
    assert document["summary"]["units"] == len(runs)
    from peft_lint.testing import expected_findings

    expected = sorted(f"{run.name}/{finding.path}" for run in runs for finding in expected_findings(run))
    assert sorted(d["path"] for d in document["diagnostics"]) == expected
    assert not any("was not found" in note for note in document["notes"])


def test_closed_pipe_is_not_an_internal_error() -> None:
    """`peft-lint ... | head`: the reader is gone before peft-lint writes."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        completed = subprocess.run([sys.executable, "-m", "peft_lint", "rule", "PFT101"], stdout=write_end,
                                   stderr=subprocess.PIPE, text=True, check=False)
    finally:
        os.close(write_end)
    assert completed.returncode == 141 and completed.stderr == ""


def test_folder_mode_takes_a_named_config_from_the_scripts_own_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two projects each open("config.yaml"): each script gets its own, not the other's."""
    script = ("import yaml\nfrom transformers import AutoModelForCausalLM, Trainer, TrainingArguments\n"
              "settings = yaml.safe_load(open(\"config.yaml\"))\n"
              "args = TrainingArguments(**settings)\n"
              "model = AutoModelForCausalLM.from_pretrained(\"gpt2\")\n"
              "Trainer(model=model, args=args).train()\n")
    for name, reentrant in (("a", "true"), ("b", "false")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "train.py").write_text(script, encoding="utf-8")
        (tmp_path / name / "config.yaml").write_text(
            f"output_dir: out\ngradient_checkpointing: true\ngradient_checkpointing_kwargs:\n"
            f"  use_reentrant: {reentrant}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(["explain", ".", "--output-format", "json", "--ignore-installed"], capsys)
    runs = json.loads(out)["runs"]
    reentrant_by_script = {run["run"]: run["facts"]["gradient checkpointing"]["use_reentrant"]
                           for run in runs}
    assert {run: (fact["value"], fact["path"]) for run, fact in reentrant_by_script.items()} == {
        "run 1: a/train.py": (True, "a/config.yaml"), "run 2: b/train.py": (False, "b/config.yaml")}


@pytest.mark.parametrize(("args", "hint"), [
    (["rulez"], "did you mean `peft-lint rule` or `peft-lint rules`?"),
    (["explian", "train.py"], "did you mean `peft-lint explain`?"),
    (["--output-fromat", "json", "train.py"], "'--output-format'"),
    (["rule", "device-map-under-dp"], "did you mean `device-map-under-ddp`?"),
    (["check", "--ignore", "adalora-reentrant-gc-dp", "train.py"],
     "did you mean `adalora-reentrant-gc-ddp`?"),
])
def test_typos_are_usage_errors_with_a_suggestion(args: list[str], hint: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(args, capsys)
    assert code == 2 and hint in err and out == ""


def test_a_missing_file_is_a_finding_not_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["missing_train.py", "--output-format", "concise"], capsys)
    assert code == 1 and "PFT901" in out


def test_every_output_format_is_described_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    from peft_lint.cli import OUTPUT_FORMATS

    code, out, _ = run(["check", "--help"], capsys)
    text = " ".join(out.split())
    assert code == 0 and all(f"{name}: {description}" in text for name, description in OUTPUT_FORMATS.items())


def test_the_command_line_is_click_not_argparse() -> None:
    sources = (ROOT / "src" / "peft_lint").rglob("*.py")
    assert not [path for path in sources if "import argparse" in path.read_text(encoding="utf-8")]


def test_explain_of_a_missing_file_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["explain", "nope.py"], capsys)
    assert code == 2 and out == ""
    assert "`nope.py` does not exist" in err


def test_a_folder_without_a_run_is_not_a_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plot.py").write_text("import matplotlib\n", encoding="utf-8")
    code, out, err = run(["check", str(tmp_path), "--ignore-installed"], capsys)
    assert code == 5 and out == ""
    assert "no training run found" in err and "nothing was checked" in err
    assert run(["check", str(tmp_path), "--ignore-installed", "--exit-zero"], capsys)[0] == 0
    code, _, err = run(["explain", str(tmp_path)], capsys)
    assert code == 5 and "nothing to explain" in err


def test_changed_files_lint_the_runs_they_belong_to(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """pre-commit's --changed: a changed config re-lints the script that reads it; a changed
    helper module, the scripts importing it; a change outside every run checks nothing."""
    for name in ("train.py", "config.yaml", "launch.sh", "requirements.txt"):
        (tmp_path / "run" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "run" / name).write_text((EXAMPLE / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "train.py").write_text(
        "from helpers.data import load\nfrom transformers import Trainer\nTrainer(model=load()).train()\n",
        encoding="utf-8")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "data.py").write_text("def load():\n    return None\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["check", "--changed", "run/config.yaml", "--ignore-installed"], capsys)
    assert code == 1 and "run/train.py:42:19: PFT101" in out and "1 run unit" in out
    code, out, _ = run(["check", "--changed", "helpers/data.py", "--ignore-installed"], capsys)
    assert code == 0 and "1 run unit" in out and "PFT101" not in out
    code, out, err = run(["check", "--changed", "notes.md", "--ignore-installed"], capsys)
    assert (code, out) == (0, "") and "none of the 1 changed file(s) belongs to a training run" in err


def test_baseline_says_how_many_findings_it_hid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "baseline.json"
    inputs = ["train.py", "config.yaml", "launch.sh", "--ignore-installed"]
    assert run(["check", *inputs, "--write-baseline", str(baseline)], capsys)[0] == 0
    code, _, err = run(["check", *inputs, "--baseline", str(baseline)], capsys)
    assert code == 0 and f"finding(s) recorded in {baseline} not shown" in err


@pytest.mark.parametrize(("target", "said"), [
    ("transformers==banana", "'banana' is not a valid version of transformers"),
    ("transformers==9.9.9", "peft-lint knows transformers 4.30.2 to 5.24.0; transformers 9.9.9 is outside"),
    ("torch==1.13.0", "peft-lint knows torch 2.1.0 to"),
])
def test_target_versions_outside_the_knowledge_are_refused(target: str, said: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", "train.py", "--target-version", target], capsys)
    assert code == 2 and said in err


def test_each_finding_names_its_runs_versions_and_the_footer_only_shared_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import HAZARD_SCRIPT

    for name in ("train.py", "config.yaml", "launch.sh", "requirements.txt"):
        (tmp_path / "old").mkdir(exist_ok=True)
        (tmp_path / "old" / name).write_text((EXAMPLE / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "train.py").write_text(HAZARD_SCRIPT, encoding="utf-8")
    (tmp_path / "new" / "requirements.txt").write_text("transformers==5.24.0\n", encoding="utf-8")
    code, out, _ = run(["check", str(tmp_path), "--ignore-installed"], capsys)
    assert code == 1
    footer = next(line for line in out.splitlines() if line.startswith("versions"))
    assert footer == "versions: they differ between the runs; each finding names its run's"
    assert "  versions: torch 2.5.1 (pinned in " in out and "transformers 4.57.6 (pinned in " in out
    assert "  versions: torch 2.14.1 (assumed: newest known), transformers 5.24.0 (pinned in " in out
    code, out, _ = run(["check", str(tmp_path), "--ignore-installed", "--output-format", "json"], capsys)
    document = json.loads(out)
    assert len(document["runs"]) == 2 and "transformers" not in document["environment"]
    by_code = {d["code"]: d["versions"]["transformers"]["version"] for d in document["diagnostics"]}
    assert by_code == {"PFT101": "4.57.6", "PFT303": "5.24.0"}
    assert all("trl" not in d["versions"] for d in document["diagnostics"])  # neither run uses TRL


def test_the_process_count_points_at_num_processes(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("train.py", "config.yaml", "requirements.txt"):
        (tmp_path / name).write_text((EXAMPLE / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "acc.json").write_text('{"distributed_type": "MULTI_GPU",\n "num_machines": 1,\n'
                                       ' "num_processes": 4}\n', encoding="utf-8")
    (tmp_path / "run.sh").write_text("accelerate launch --config_file acc.json train.py config.yaml\n",
                                     encoding="utf-8")
    code, out, _ = run(["check", str(tmp_path), "--ignore-installed"], capsys)
    assert code == 1 and 'acc.json:3: "num_processes": 4}  (4 processes (DDP))' in out


def test_invalid_settings_say_the_line_through_the_cli(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.peft-lint]\nfail-on = 3\n',
                                             encoding="utf-8")
    (tmp_path / "train.py").write_text((EXAMPLE / "train.py").read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run(["check", str(tmp_path / "train.py")], capsys)
    assert code == 2 and "pyproject.toml:5: unknown setting `fail-on`" in err
