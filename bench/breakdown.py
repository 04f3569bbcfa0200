"""Where ``recctl check``'s time goes: each check's cost per file, in one process.

    python bench/breakdown.py [--rounds 7] [CORPUS]

Runs the per-file work of ``check`` (read, parse, then the selected checks) over every file
in this process, serially, after a warm-up pass: first the floor (reading and orjson-parsing
every file, as ``floor.py``), then each check alone, then all four. Prints the minimum over
the rounds, its ratio to the floor, and its cost on top of the floor. Start-up, discovery,
workers and reporting are left out: ``bench.py`` and ``scale.py`` measure whole runs.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from common import CORPUS_2025

from recctl import check, filecheck
from recctl.discovery import find_fixture_names
from recctl.project import find_project


def floor(files: list[str], rounds: int) -> float:
    """The fastest of ``rounds`` passes that read and orjson-parse every file (``floor.py``
    in this process)."""
    import orjson

    best = float("inf")
    for _ in range(rounds + 1):
        start = time.perf_counter()
        for path in files:
            with open(path, "rb") as file:
                orjson.loads(file.read())
        best = min(best, time.perf_counter() - start)
    return best


def run(files: list[str], checks: frozenset[str], rounds: int) -> float:
    """The fastest of ``rounds`` passes over ``files``, in seconds."""
    config = find_project([files[0]], Path.cwd()).config
    settings = check.CheckSettings(
        checks,
        "4",
        config.secret_allowlist,
        config.max_file_size,
        config.schema,
    )
    filecheck.init_worker(settings)
    for path in files:  # warm-up: imports, compiled scans, caches
        filecheck.check_item(path)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for path in files:
            filecheck.check_item(path)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS_2025)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    cwd = Path.cwd()
    files = find_fixture_names([str(args.corpus)], find_project([str(args.corpus)], cwd), cwd)
    gc.disable()  # as in recctl's workers
    base = floor(files, args.rounds)
    print(f"{len(files)} files; minimum of {args.rounds} rounds, serial, in-process")
    print(f"{'checks':<16} {'total':>9} {'per file':>10} {'x floor':>8} {'on top of it':>13}")
    print(f"{'floor':<16} {base * 1000:>7.1f}ms {base / len(files) * 1e6:>8.1f}us {1:>7.2f}x")
    for name in (*check.CHECKS, "all"):
        checks = frozenset(check.CHECKS) if name == "all" else frozenset({name})
        total = run(files, checks, args.rounds)
        print(
            f"{name:<16} {total * 1000:>7.1f}ms {total / len(files) * 1e6:>8.1f}us "
            f"{total / base:>7.2f}x {(total - base) * 1000:>11.1f}ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
