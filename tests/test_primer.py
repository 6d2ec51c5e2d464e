"""scripts/primer on two tiny local git repositories: matching, verdicts, stamps and missing blobs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PRIMER = ROOT / "scripts" / "primer"
CASE = ROOT / "rules" / "pft602_peft_from_pretrained_not_trainable" / "cases" / "resume_frozen" / \
    "continue_training.py"
HAZARD = CASE.read_text(encoding="utf-8")
HAZARD_LINE = next(number for number, line in enumerate(HAZARD.splitlines(), 1) if "# expect: PFT602" in line)
CLEAN = 'print("nothing to train here")\n'
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "primer",
           "GIT_AUTHOR_EMAIL": "primer@example.com", "GIT_COMMITTER_NAME": "primer",
           "GIT_COMMITTER_EMAIL": "primer@example.com"}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(folder: Path, *args: str) -> str:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    completed = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                               env={**environment, **GIT_ENV}, check=False)
    assert completed.returncode == 0, f"git {' '.join(args)}: {completed.stdout}{completed.stderr}"
    return completed.stdout.strip()


def make_repository(folder: Path, files: dict[str, str]) -> str:
    folder.mkdir(parents=True)
    git(folder, "init", "-q")
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "files")
    return git(folder, "rev-parse", "HEAD")


class Primer:
    """Two source repositories, their list, a verdict file, and a root to materialize into."""

    def __init__(self, tmp_path: Path) -> None:
        self.sources = tmp_path / "sources"
        self.root = tmp_path / "root"
        self.repositories = tmp_path / "repositories.toml"
        self.verdicts = tmp_path / "verdicts.json"
        alpha = self.sources / "acme+alpha"
        self.alpha_commit = make_repository(alpha, {
            "scripts/train.py": HAZARD, "scripts/clean.py": CLEAN, "scripts/data.json": '{"rows": []}\n',
            "docs/not_linted.py": HAZARD,
        })
        # A snapshot can list a blob it lacks (a large file left out): remove the data file's object.
        blob = git(alpha, "rev-parse", "HEAD:scripts/data.json")
        (alpha / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
        self.beta_commit = make_repository(self.sources / "acme+beta", {"run.py": CLEAN})
        self.write_repositories()
        self.write_verdicts([self.verdict("TRUE")])

    def write_repositories(self, alpha_commit: str | None = None) -> None:
        self.repositories.write_text(
            '[[repository]]\nname = "alpha"\nrepo = "acme/alpha"\n'
            f'commit = "{alpha_commit or self.alpha_commit}"\nfolders = ["scripts"]\n\n'
            f'[[repository]]\nname = "beta"\nrepo = "acme/beta"\ncommit = "{self.beta_commit}"'
            '\nfolders = ["."]\n', encoding="utf-8")

    @staticmethod
    def verdict(verdict: str, line: int = HAZARD_LINE) -> dict[str, object]:
        return {"repo": "alpha", "path": "alpha/scripts/train.py", "code": "PFT602", "severity": "error",
                "line": line, "cell": None, "cell_line": None, "verdict": verdict,
                "reason": "a test verdict", "message": ""}

    def write_verdicts(self, entries: list[dict[str, object]]) -> None:
        self.verdicts.write_text(json.dumps(entries), encoding="utf-8")

    def run(self, *args: str, source: str | None = None) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(PRIMER), "--root", str(self.root), "--source",
                   source or str(self.sources / "{owner}+{name}"), "--repositories", str(self.repositories),
                   "--verdicts", str(self.verdicts), *args]
        return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **GIT_ENV},
                              timeout=120)


@pytest.fixture
def primer(tmp_path: Path) -> Primer:
    return Primer(tmp_path)


def test_triaged_finding_passes_and_materializes_only_the_folders(primer: Primer) -> None:
    result = primer.run("--json", str(primer.root.parent / "out.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (primer.root / "alpha" / "scripts" / "train.py").read_text(encoding="utf-8") == HAZARD
    assert not (primer.root / "alpha" / "docs").exists()
    assert (primer.root / "beta" / "run.py").is_file()
    # The missing blob is skipped with a note, not a failure.
    assert not (primer.root / "alpha" / "scripts" / "data.json").exists()
    assert "skipped alpha/scripts/data.json (blob" in result.stdout
    document = json.loads((primer.root.parent / "out.json").read_text(encoding="utf-8"))
    assert document["ok"] is True
    assert document["total"]["TRUE"] == 1 and document["total"]["new"] == 0
    assert document["total"]["crashes"] == 0


def test_untriaged_finding_fails_and_is_written_as_untriaged(primer: Primer) -> None:
    primer.write_verdicts([])
    result = primer.run("--only", "alpha")
    assert result.returncode == 1
    assert f"NEW alpha/scripts/train.py:{HAZARD_LINE}: PFT602 [error]" in result.stdout
    assert "is_trainable=True" in result.stdout  # the message, in full

    result = primer.run("--only", "alpha", "--write-untriaged")
    assert result.returncode == 1
    entries = json.loads(primer.verdicts.read_text(encoding="utf-8"))
    assert [(entry["path"], entry["code"], entry["line"], entry["verdict"], entry["reason"])
            for entry in entries] == [("alpha/scripts/train.py", "PFT602", HAZARD_LINE, "UNTRIAGED", "")]
    written = primer.verdicts.read_bytes()

    # Known now, but still untriaged: the run keeps failing, and nothing is added twice.
    result = primer.run("--only", "alpha", "--write-untriaged")
    assert result.returncode == 1
    assert f"UNTRIAGED alpha/scripts/train.py:{HAZARD_LINE}: PFT602" in result.stdout
    assert primer.verdicts.read_bytes() == written


def test_false_verdict_still_present_fails(primer: Primer) -> None:
    primer.write_verdicts([primer.verdict("FALSE")])
    result = primer.run("--only", "alpha")
    assert result.returncode == 1
    assert "FALSE still present: 1 x PFT602 (a test verdict)" in result.stdout


def test_vanished_verdict_is_listed(primer: Primer) -> None:
    primer.write_verdicts([primer.verdict("TRUE"), primer.verdict("FALSE", line=HAZARD_LINE + 40)])
    result = primer.run("--only", "alpha")
    assert result.returncode == 0, result.stdout
    assert f"vanished (FALSE): alpha/scripts/train.py:{HAZARD_LINE + 40}: PFT602" in result.stdout


def test_stamp_avoids_materializing_again(primer: Primer) -> None:
    assert primer.run("--only", "alpha").returncode == 0
    marker = primer.root / "alpha" / "scripts" / "marker.txt"
    marker.write_text("left by the test", encoding="utf-8")
    result = primer.run("--only", "alpha")
    assert result.returncode == 0 and "up to date" in result.stdout
    assert marker.exists()
    # Another commit: the stamp no longer matches, the folder is written afresh.
    alpha = primer.sources / "acme+alpha"
    (alpha / "scripts" / "clean.py").write_text(CLEAN + "# changed\n", encoding="utf-8")
    git(alpha, "hash-object", "-w", "scripts/data.json")  # the fixture removed it: a commit needs it
    git(alpha, "add", "-A")
    git(alpha, "commit", "-q", "-m", "change")
    primer.write_repositories(alpha_commit=git(alpha, "rev-parse", "HEAD"))
    result = primer.run("--only", "alpha")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "materialized" in result.stdout
    assert not marker.exists()
    assert (primer.root / "alpha" / "scripts" / "clean.py").read_text(encoding="utf-8") == \
        CLEAN + "# changed\n"


def test_missing_commit_is_reported_not_raised(primer: Primer) -> None:
    primer.write_repositories(alpha_commit="0" * 40)
    result = primer.run("--only", "alpha")
    assert result.returncode == 1
    assert "CRASH: not materialized" in result.stdout and "is not in" in result.stdout


def test_remote_source_is_a_partial_clone_in_the_root(primer: Primer) -> None:
    # A URL (here file://) is cloned without blobs under ROOT/.git-cache; the blobs of the named
    # folders are fetched in one go (here 3: the one the remote lacks fails it, then one by one),
    # and the blob the remote lacks is skipped.
    for name in ("acme+alpha", "acme+beta"):
        git(primer.sources / name, "config", "uploadpack.allowFilter", "true")
        git(primer.sources / name, "config", "uploadpack.allowAnySHA1InWant", "true")
    result = primer.run(source=f"file://{primer.sources.as_posix()}/{{owner}}+{{name}}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cloning file://" in result.stdout and "fetching 3 files" in result.stdout
    assert (primer.root / ".git-cache" / "acme+alpha.git" / "HEAD").is_file()
    assert (primer.root / "alpha" / "scripts" / "train.py").read_text(encoding="utf-8") == HAZARD
    assert (primer.root / "beta" / "run.py").read_text(encoding="utf-8") == CLEAN
    assert "skipped alpha/scripts/data.json (blob" in result.stdout
