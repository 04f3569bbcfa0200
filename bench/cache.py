"""The result cache, ``check --changed`` and ``prune``, against the floor, in one run.

    python bench/cache.py [--rounds 5] [--corpus DIR] [--before REV]

For the 2025 corpus replicated 1x and 10x in a temporary git checkout (a project: the cache
is on), each row is the median of the rounds, as whole processes:

- the floor (one process that reads and orjson-parses every file);
- ``check --no-cache``: every file judged, the cache neither read nor written;
- cold ``check``: no cache yet (it is removed before each round), so judged and written;
- warm ``check``: every file unchanged since the last run;
- ``check --changed --base HEAD`` with 20 files edited in the work tree;
- ``prune`` (a dry run), beside a cold ``check --no-cache`` of the same tree; with
  ``--before REV``, also the ``prune`` of that revision (a git worktree of this repository).

Then the issue's targets, each with its ratio and whether it holds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import CACHED_ENV, CORPUS_2025, ENV, finished, floor_argv, folder, worktree
from scale import replicate

EDITED = 20


def timed(argv: list[str], cwd: Path, env: dict[str, str], before: str | None = None) -> float:
    if before is not None:
        env = {**env, "PYTHONPATH": before}
    start = time.perf_counter()
    completed = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - start
    finished(argv, completed.returncode, completed.stderr)
    return elapsed


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def make_checkout(corpus: Path, root: Path, copies: int) -> int:
    count = replicate(corpus, root, copies)
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\n[tool.recctl]\n')
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "corpus")
    return count


def edit(root: Path, count: int) -> None:
    """A pull request's change: ``count`` recordings with an answer edited."""
    edited = 0
    for path in sorted(root.rglob("*.json")):
        text = path.read_text()
        if '"content": "' in text and edited < count:
            path.write_text(text.replace('"content": "', '"content": "Edited. ', 1))
            edited += 1


def _adder(rows: dict[str, list[float]]) -> Callable[[str, float], None]:
    def add(name: str, seconds: float) -> None:
        rows.setdefault(name, []).append(seconds)

    return add


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=folder, default=CORPUS_2025)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", help="also time prune at this revision of recctl")
    args = parser.parse_args()
    recctl = [sys.executable, "-m", "recctl"]
    results: dict[int, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="recctl-cache-") as temp,
        contextlib.ExitStack() as stack,
    ):
        before_tree = None
        if args.before:
            before_tree = stack.enter_context(worktree(args.before, Path(temp) / "before"))
        for copies in (1, 10):
            root = Path(temp) / f"x{copies}"
            files = make_checkout(args.corpus, root, copies)
            cache = root / ".recctl_cache"
            rows: dict[str, list[float]] = {}
            add = _adder(rows)

            check = [*recctl, "check", "."]
            timed(floor_argv(root), root, ENV)  # the page cache
            for _ in range(args.rounds):
                add("floor", timed(floor_argv(root), root, ENV))
                add("check --no-cache", timed([*check, "--no-cache"], root, CACHED_ENV))
                shutil.rmtree(cache, ignore_errors=True)
                add("check, cold cache", timed(check, root, CACHED_ENV))
                add("check, warm cache", timed(check, root, CACHED_ENV))
                add("prune", timed([*recctl, "prune", "."], root, ENV))
                if before_tree is not None:
                    prune = [*recctl, "prune", "."]
                    add("prune (before)", timed(prune, root, ENV, before_tree))
            edit(root, EDITED)
            changed = [*check, "--changed", "--base", "HEAD"]
            timed(changed, root, CACHED_ENV)
            for _ in range(args.rounds):
                shutil.rmtree(cache, ignore_errors=True)
                add(f"check --changed ({EDITED} files)", timed(changed, root, CACHED_ENV))
            results[copies] = {name: statistics.median(v) for name, v in rows.items()}
            floor = results[copies]["floor"]
            print(f"\n## {copies}x: {files} files ({os.cpu_count()} CPUs)")
            print(f"{'run':<28} {'median':>9} {'x floor':>8}")
            for name, seconds in results[copies].items():
                print(f"{name:<28} {seconds:>8.3f}s {seconds / floor:>7.2f}x")
    print("\n## targets")
    for copies, limit in ((10, 0.25), (1, 0.6)):
        row = results[copies]
        ratio = row["check, warm cache"] / row["floor"]
        verdict = "holds" if ratio <= limit else "MISSED"
        print(f"warm check at {copies}x: {ratio:.2f}x the floor (target {limit}x): {verdict}")
    for copies in (1, 10):
        row = results[copies]
        cost = row["check, cold cache"] / row["check --no-cache"] - 1
        verdict = "holds" if cost < 0.05 else "MISSED"
        print(f"cold check at {copies}x: bookkeeping {cost:+.1%} (target under 5%): {verdict}")
        ratio = row["prune"] / row["check --no-cache"]
        verdict = "holds" if ratio <= 1.0 else "MISSED"
        print(f"prune at {copies}x: {ratio:.2f}x a cold check (target 1.0x): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
