"""Where one ``recctl check`` run's wall time goes, phase by phase.

    python bench/timeline.py [--rounds 5] [--select CHECK] [CORPUS]

Runs ``recctl check [--select CHECK] CORPUS`` in fresh processes and prints when each phase
ended (the median over the runs), counted from the spawn of the process: the command-line
layer imported (typer and recctl.cli), the core imported (jsonschema-rs, hashing, secrets),
options parsed and settings loaded, files discovered, every file checked on every worker,
the report written.
The floor (``floor.py``) on the same files is timed alongside, for the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import CORPUS_2025, ENV, floor_argv

# Runs in the measured process: wraps two functions to note when discovery and the
# parallel work begin and end, and changes nothing else. Its clock is the parent's
# (perf_counter is the system's monotonic clock), so the spawn itself is counted.
PROBE = """
import sys, time
started = float(sys.argv[1])
marks = []
def mark(label):
    marks.append((label, time.perf_counter() - started))
import recctl.cli
mark("cli imported (typer, recctl.cli)")
from recctl import check, discovery, parallel
mark("core imported (jsonschema-rs, hashing, secrets)")
find = discovery.find_fixture_names
def timed_find(*args, **kwargs):
    mark("options parsed, settings loaded")
    found = find(*args, **kwargs)
    mark("files discovered")
    return found
discovery.find_fixture_names = timed_find
work = parallel.process_map
def timed_work(*args, **kwargs):
    yield from work(*args, **kwargs)
    mark("every file checked")
check.process_map = timed_work  # ENV turns the cache off: every file is read
sys.argv = ["recctl", "check", *sys.argv[3:], sys.argv[2]]
try:
    recctl.cli.main()
except SystemExit:
    pass
mark("report written")
for label, at in marks:
    print(f"{at}\\t{label}", file=sys.stderr)
"""


def run_probe(corpus: Path, options: list[str]) -> list[tuple[float, str]]:
    """(seconds since the spawn, phase) for each phase's end, in order."""
    spawned = time.perf_counter()
    stderr = subprocess.run(
        [sys.executable, "-c", PROBE, repr(spawned), str(corpus), *options],
        capture_output=True,
        text=True,
        check=False,
        env=ENV,
    ).stderr
    marks = []
    for line in stderr.splitlines():
        at, _, label = line.partition("\t")
        marks.append((float(at), label))
    return marks


def floor(corpus: Path) -> float:
    start = time.perf_counter()
    subprocess.run(floor_argv(corpus), check=True, capture_output=True, env=ENV)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS_2025)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--select", help="the one check to run (default: all)")
    args = parser.parse_args()
    options = ["--select", args.select] if args.select else []
    run_probe(args.corpus, options)  # warm the page cache
    runs = [run_probe(args.corpus, options) for _ in range(args.rounds)]
    floors = [floor(args.corpus) for _ in range(args.rounds)]
    labels = [label for _, label in runs[0]]
    command = " ".join(["recctl check", *options])
    print(f"median of {args.rounds} runs of `{command}` on {args.corpus.name}")
    print(f"{'ends at':>9} {'phase':>8}  what")
    previous = 0.0
    at = 0.0
    for index, label in enumerate(labels):
        at = statistics.median(run[index][0] for run in runs)
        print(f"{at * 1000:7.1f}ms {(at - previous) * 1000:6.1f}ms  {label}")
        previous = at
    median_floor = statistics.median(floors)
    print(f"floor: {median_floor * 1000:.1f}ms; the run is {at / median_floor:.2f}x the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
