"""The benchmark: peft-lint against the parse floor, cold start, and pylint, on one corpus.

    python bench/generate.py            # once: 1,000 run units into bench/corpus
    python bench/run.py                 # every measurement below, as a table
    python bench/run.py --pylint        # also pylint -E on the same scripts (pip install pylint)

Every number is wall time of fresh processes, as a hook or CI step runs them, and every ratio
compares two measurements taken in this same run on this same machine:

- corpus: `peft-lint --no-cache bench/corpus` against the floor, the same files through bare
  `ast.parse` + `yaml.safe_load` + `json.loads` in one process (interpreter start included in
  both); files per second.
- one run: `peft-lint train.py config.yaml launch.sh` on sampled units, median and p95, against
  a cold `python -c "import ast, yaml; ..."` parsing the same three files.
- `peft-lint --version` against `python -c pass`.
- peak RSS of the corpus run in one process, and of its first quarter: the growth per unit
  (flat memory); the corpus again, unchanged, answered from the cache.
- one run answered from the cache (the same three files, unchanged) against the cold floor.
- `--before PYTHON`: every peft-lint row also for an earlier peft-lint, in the same run.
- pylint (errors only) on the sampled scripts against peft-lint on the same units.

A benchmark to read, not a timed test: record results in bench/RESULTS.md with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
FLOOR = """
import ast, json, sys, yaml
from pathlib import Path
paths = [Path(p) for p in sys.argv[1:]]
if len(paths) == 1 and paths[0].is_dir():
    paths = sorted(p for p in paths[0].rglob("*") if p.is_file())
for path in paths:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        ast.parse(text)
    elif path.suffix in (".yaml", ".yml"):
        yaml.safe_load(text)
    elif path.suffix == ".json":
        json.loads(text)
    elif path.suffix == ".sh":
        text.split()
"""


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def peak_rss_mb(command: list[str]) -> float:
    """Peak resident memory of one command, read by a parent that runs nothing else."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    output = subprocess.run([PYTHON, "-c", probe, *command], capture_output=True, text=True, check=True)
    return int(output.stdout.strip()) / 1024


def best(command: list[str], runs: int, cwd: Path | None = None) -> float:
    return min(timed(command, cwd) for _ in range(runs))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def unit_files(unit: Path) -> list[str]:
    return [name for name in ("train.py", "config.yaml", "accelerate.yaml", "launch.sh")
            if (unit / name).is_file()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus")
    parser.add_argument("--sample", type=int, default=30, help="units timed one by one")
    parser.add_argument("--runs", type=int, default=3, help="repeats of the corpus runs (best kept)")
    parser.add_argument("--pylint", action="store_true", help="also time pylint -E on the sample")
    parser.add_argument("--before", metavar="PYTHON",
                        help="an interpreter with an earlier peft-lint installed: every peft-lint "
                             "row is measured for it too, against the same floors")
    arguments = parser.parse_args()
    corpus = arguments.corpus.resolve()
    if not corpus.is_dir():
        print(f"no corpus at {corpus}: run python bench/generate.py first", file=sys.stderr)
        return 2
    os.chdir(corpus.parent)  # the cache of the cached row lands beside the corpus, in bench/
    files = [p for p in corpus.rglob("*") if p.suffix in (".py", ".yaml", ".json", ".sh")]
    units = sorted(p for p in corpus.iterdir() if p.is_dir())
    sample = random.Random(7).sample(units, min(arguments.sample, len(units)))
    floors = Floors(
        corpus=best([PYTHON, "-c", FLOOR, str(corpus)], arguments.runs),
        cold=statistics.median(timed([PYTHON, "-c", FLOOR, *unit_files(unit)], cwd=unit) for unit in sample),
        bare=statistics.median(timed([PYTHON, "-c", "pass"]) for _ in range(11)))
    rows: list[tuple[str, str, str]] = [
        ("floor: corpus, parsed in 1 process", f"{floors.corpus:.2f} s", f"{len(files)} files"),
        ("floor: one run, cold parse", f"median {floors.cold * 1000:.0f} ms",
         "train.py config.yaml launch.sh"),
        ("floor: python -c pass", f"median {floors.bare * 1000:.0f} ms", "")]
    versions = [("before", arguments.before)] if arguments.before else []
    for label, python in [*versions, ("now" if arguments.before else "", PYTHON)]:
        rows += measure(python, label, corpus, units, sample, floors, arguments.runs)

    if arguments.pylint:
        if shutil.which("pylint") is None:
            print("pylint is not installed: pip install pylint", file=sys.stderr)
            return 2
        lint = [PYTHON, "-m", "peft_lint", "--ignore-installed", "--exit-zero", "--no-cache"]
        scripts = [str(unit / "train.py") for unit in sample]
        pylint = best(["pylint", "-E", "--disable=import-error", "--jobs=1", *scripts], 1)
        ours = best([*lint, *[str(unit) for unit in sample]], arguments.runs)
        rows.append((f"pylint -E, {len(scripts)} scripts", f"{pylint:.2f} s",
                     f"peft-lint {ours:.2f} s: {pylint / ours:.1f}x faster (target >= 8x)"))

    print(f"# {len(units)} units, {len(files)} files; {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    width = max(len(name) for name, _, _ in rows)
    for name, value, note in rows:
        print(f"{name:{width}}  {value:>18}  {note}")
    return 0


@dataclass
class Floors:
    corpus: float  # s, the whole corpus parsed in one fresh process
    cold: float  # s, median over the sample: one unit's three files parsed in a fresh process
    bare: float  # s, median `python -c pass`


def measure(python: str, label: str, corpus: Path, units: list[Path], sample: list[Path],
            floors: Floors, runs: int) -> list[tuple[str, str, str]]:
    """Every peft-lint row for one interpreter, as ratios to the floors."""
    prefix = f"{label}: " if label else ""
    lint = [python, "-m", "peft_lint", "--ignore-installed", "--exit-zero", "--no-cache"]
    rows = []
    whole = best([*lint, str(corpus)], runs)
    rows.append((f"{prefix}corpus", f"{whole:.2f} s",
                 f"{whole / floors.corpus:.2f}x the floor (target <= 2x)"))
    quarter = units[: len(units) // 4]
    with tempfile.TemporaryDirectory() as folder:
        for unit in quarter:
            os.symlink(unit, Path(folder) / unit.name)
        small = peak_rss_mb([*lint, "--jobs", "1", folder])
    large = peak_rss_mb([*lint, "--jobs", "1", str(corpus)])
    growth = (large - small) * 1024 / max(1, len(units) - len(quarter))
    rows.append((f"{prefix}corpus peak RSS, 1 process", f"{large:.0f} MB",
                 f"{small:.0f} MB at {len(quarter)} units: {growth:.1f} KB more per unit"))
    cached = [argument for argument in lint if argument != "--no-cache"]
    timed([*cached, str(corpus)])  # fills .peft_lint_cache/ for the unchanged corpus
    hit = best([*cached, str(corpus)], runs)
    rows.append((f"{prefix}corpus, unchanged, from the cache", f"{hit:.2f} s",
                 f"{whole / hit:.0f}x faster than linting"))
    one, from_cache = [], []
    for unit in sample:
        names = unit_files(unit)
        one.append(timed([*lint, *names], cwd=unit))
        timed([*cached, *names], cwd=unit)  # fills the unit's cache
        from_cache.append(timed([*cached, *names], cwd=unit))
        shutil.rmtree(unit / ".peft_lint_cache", ignore_errors=True)
    rows.append((f"{prefix}one run, cold", f"median {statistics.median(one) * 1000:.0f} ms",
                 f"{statistics.median(one) / floors.cold:.2f}x the floor (target <= 6x); "
                 f"p95 {percentile(one, 0.95) * 1000:.0f} ms"))
    rows.append((f"{prefix}one run, from the cache", f"median {statistics.median(from_cache) * 1000:.0f} ms",
                 f"{statistics.median(from_cache) / floors.cold:.2f}x the floor (target <= 1.5x)"))
    version = statistics.median(timed([python, "-m", "peft_lint", "--version"]) for _ in range(11))
    rows.append((f"{prefix}--version", f"median {version * 1000:.0f} ms",
                 f"{version / floors.bare:.2f}x python -c pass (target <= 1.3x)"))
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
