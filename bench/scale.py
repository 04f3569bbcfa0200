"""Scale: ``recctl check`` on the 2025 corpus replicated 1x and 10x (1,066 and 10,660 files).

    python bench/scale.py [--rounds 3] [--corpus ../shared/corpus/llama-stack-1394403]

For each size it reports, as whole processes: the median time of the floor (one process
that reads and orjson-parses every file) and of ``recctl check``, their ratio, and the peak
memory (largest resident set of the process and its workers); and recctl's start-up alone
(``check`` of an empty directory), the part of every run that no file causes. Then the
growth from 1x to 10x (linear is about 10) and the memory growth (flat is within 20%).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import CORPUS_2025, ENV, finished, floor_argv, folder

MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
run = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
sys.stderr.buffer.write(run.stderr)
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, run.returncode)
"""


def measure(argv: list[str], cwd: Path, env: dict[str, str] = ENV) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of a command and every process it starts (``env``: the
    result cache off unless asked)."""
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed, peak, code = output.stdout.split()
    finished(argv, int(code), output.stderr)
    return float(elapsed), int(peak)


def replicate(source: Path, target: Path, copies: int) -> int:
    count = 0
    for copy in range(copies):
        destination = target / f"copy{copy}"
        shutil.copytree(source, destination, ignore=shutil.ignore_patterns("LICENSE"))
        count += sum(1 for _ in destination.rglob("*.json"))
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=folder, default=CORPUS_2025)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="recctl-scale-") as temp:
        for copies in (1, 10):
            root = Path(temp) / f"x{copies}"
            files = replicate(args.corpus, root, copies)
            empty = Path(temp) / "empty"
            empty.mkdir(exist_ok=True)
            commands = {
                "floor": floor_argv(root),
                "recctl check": [sys.executable, "-m", "recctl", "check", str(root)],
                # What every run pays before its first file: imports and discovery.
                "start-up only": [sys.executable, "-m", "recctl", "check", str(empty)],
            }
            for argv in commands.values():
                measure(argv, root)  # warm the page cache
            results: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
            for _ in range(args.rounds):
                for name, argv in commands.items():
                    results[name].append(measure(argv, root))
            rows[copies] = {
                name: (statistics.median(t for t, _ in runs), max(m for _, m in runs))
                for name, runs in results.items()
            }
            floor_time = rows[copies]["floor"][0]
            print(f"\n## {copies}x: {files} files ({os.cpu_count()} CPUs)")
            print(f"{'command':<16} {'median':>9} {'x floor':>8} {'peak RSS':>10}")
            for name, (elapsed, peak) in rows[copies].items():
                ratio = elapsed / floor_time
                print(f"{name:<16} {elapsed:>8.3f}s {ratio:>7.2f}x {peak / 1024:>8.1f} MB")
            shutil.rmtree(root)
    check1, check10 = rows[1]["recctl check"], rows[10]["recctl check"]
    print(
        f"\ngrowth 1x -> 10x: time {check10[0] / check1[0]:.2f}x (linear: 10), "
        f"peak memory {check10[1] / check1[1]:.2f}x (flat: within 1.20)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
