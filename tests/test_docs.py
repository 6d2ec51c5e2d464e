"""docs/rules/ and the README's rule table are generated from the rules and kept in sync."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_generated_docs_are_current() -> None:
    result = subprocess.run([sys.executable, "scripts/gen_docs.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + "\nrun: python scripts/gen_docs.py"
