"""How long `peft-lint` takes from the shell, against the bare interpreter start.

    python scripts/benchmark.py            # 7 runs per input, median and worst
    python scripts/benchmark.py --runs 15

Each input is linted in a fresh process, as a pre-commit hook or CI step runs it, so the
numbers include interpreter start and imports. The floor is `python -c pass`; what peft-lint
adds is the difference. This is a benchmark to read, not a timed test: machines differ.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS: dict[str, list[str]] = {
    "python floor": ["-c", "pass"],
    "rules listing": ["-m", "peft_lint", "rules"],
    "example adalora-ddp": ["-m", "peft_lint", "examples/adalora-ddp"],
    "corpus folder (all runs)": ["-m", "peft_lint", "corpus"],
    "rules folder (all cases)": ["-m", "peft_lint", "check", "rules"],
}


def timed(arguments: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"{'input':28} {'median':>8} {'worst':>8}   ({runs} runs, {sys.platform}, Python "
          f"{sys.version.split()[0]})")
    for name, arguments in INPUTS.items():
        times = [timed(arguments) for _ in range(runs)]
        print(f"{name:28} {statistics.median(times):7.3f}s {max(times):7.3f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
