"""docs/rules/ and the README's rule table are generated from the rules and kept in sync."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_generated_docs_are_current() -> None:
    result = subprocess.run([sys.executable, "scripts/gen_docs.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + "\nrun: python scripts/gen_docs.py"


def test_no_shipped_file_points_at_the_teams_shared_notes() -> None:
    """Users have the package, the repository and upstream links, not the team's `shared/` folder."""
    import subprocess

    from conftest import ROOT

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    shipped = [name for name in tracked if not name.startswith(("tests/", "primer/"))]
    pointing = [name for name in shipped if (ROOT / name).is_file() and any(
        marker in (ROOT / name).read_text(encoding="utf-8", errors="replace")
        for marker in ("shared/knowledge", "shared/DESIGN", "../shared/"))]
    assert pointing == []
