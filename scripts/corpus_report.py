"""Lint every run of corpus/ and report true findings, false alarms and misses.

Usage: python scripts/corpus_report.py [corpus-folder]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from peft_lint.testing import expected_findings, run_case


def main() -> int:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "corpus")
    runs = sorted(path for path in corpus.iterdir() if path.is_dir() and not path.name.startswith("."))
    totals = {"expected": 0, "found": 0, "false alarms": 0, "missed": 0}
    started = time.perf_counter()
    for run in runs:
        expected = expected_findings(run)
        _, actual = run_case(run)
        false_alarms, missed = actual - expected, expected - actual
        totals["expected"] += len(expected)
        totals["found"] += len(actual & expected)
        totals["false alarms"] += len(false_alarms)
        totals["missed"] += len(missed)
        status = "ok" if not false_alarms and not missed else "MISMATCH"
        print(f"{run.name:<32} {status:<9} findings={sorted(f.code for f in actual)}")
        for finding in sorted(false_alarms, key=str):
            print(f"    false alarm: {finding.path}:{finding.line} {finding.code}")
        for finding in sorted(missed, key=str):
            print(f"    missed: {finding.path}:{finding.line} {finding.code}")
    elapsed = time.perf_counter() - started
    print(f"\n{len(runs)} runs in {elapsed:.2f} s: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 1 if totals["false alarms"] or totals["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
