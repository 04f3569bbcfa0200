"""Cassettes: ``recctl check`` on the shared corpus's VCR.py cassettes, 1x and 10x.

    python bench/cassettes.py [--rounds 3]

The corpus's ``vcr-*`` folders are copied into one tree (1x, 469 cassette files) and
replicated ten times (10x). For each size, as whole processes: the floor
(``cassette_floor.py``: read and PyYAML-C-load every cassette), cold ``check`` (no result
cache), warm ``check`` (the result cache filled by a run before), and the peak memory of the
cold check; each as a median and a ratio to the floor. Then the memory growth from 1x to 10x
(flat is within 1.2x).

Targets (issue #28): cold within 2.5x the floor at 1x and 10x; warm within 0.5x; memory flat.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import CACHED_ENV, ENV, HERE, SHARED_CORPUS
from scale import measure


def replicate(root: Path, copies: int) -> None:
    for copy in range(copies):
        for folder in sorted(SHARED_CORPUS.glob("vcr-*")):
            shutil.copytree(folder, root / f"copy{copy}" / folder.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="recctl-cassettes-") as temp:
        for copies in (1, 10):
            root = Path(temp) / f"x{copies}"
            replicate(root, copies)
            (root / "pyproject.toml").write_text("[tool.recctl]\n")
            recctl = [sys.executable, "-m", "recctl", "check", "-q", str(root)]
            commands = {
                "floor": ([sys.executable, str(HERE / "cassette_floor.py"), str(root)], ENV),
                "check (cold)": ([*recctl, "--no-cache"], ENV),
                "check (warm)": (recctl, CACHED_ENV),
            }
            for argv, env in commands.values():
                measure(argv, root, env)  # the page cache, and the result cache, filled
            results: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
            for _ in range(args.rounds):
                for name, (argv, env) in commands.items():
                    results[name].append(measure(argv, root, env))
            medians = {
                name: (statistics.median(t for t, _ in runs), max(m for _, m in runs))
                for name, runs in results.items()
            }
            floor = medians["floor"][0]
            files = sum(1 for path in root.rglob("*.yaml") if "cassettes" in path.parts)
            print(f"\n## {copies}x: {files} cassette files ({os.cpu_count()} CPUs)")
            print(f"{'command':<14} {'median':>9} {'x floor':>8} {'peak RSS':>10}")
            for name, (elapsed, peak) in medians.items():
                print(
                    f"{name:<14} {elapsed:>8.3f}s {elapsed / floor:>7.2f}x {peak / 1024:>8.1f} MB"
                )
            peaks[copies] = medians["check (cold)"][1]
            shutil.rmtree(root)
    print(f"\npeak memory of the cold check, 10x / 1x: {peaks[10] / peaks[1]:.2f} (flat: <= 1.20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
