"""The secret scan over a whole corpus, beside detect-secrets on the same files.

    python -m pip install detect-secrets   # optional: the comparison row
    python bench/secrets_scan.py [CORPUS] [--rounds N]

Rows, each the fastest of the rounds (detect-secrets: one round, it takes long):
- the scan alone, in one process, on files already read and parsed (``secrets.scan``);
- ``recctl check --select secret`` as a whole process (start-up, discovery, reading, two cores);
- ``detect-secrets scan --all-files`` with its defaults on the same files, as a whole process;
- one message of 20,000 key-shaped tokens (``AKIA`` + 16 digits), the scan alone.
Findings are counted for each: on the shared corpus the right answer is zero.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson
from common import ENV, SHARED_CORPUS

from recctl import secrets, store


def scan_alone(files: list[Path], rounds: int) -> tuple[float, int]:
    loaded = [(raw, orjson.loads(raw)) for raw in (path.read_bytes() for path in files)]
    best, found = float("inf"), 0
    for _ in range(rounds):
        start = time.perf_counter()
        found = sum(len(secrets.scan(raw, data)) for raw, data in loaded)
        best = min(best, time.perf_counter() - start)
    return best, found


def recctl_check(corpus: Path, rounds: int) -> tuple[float, int]:
    argv = [sys.executable, "-m", "recctl", "check", "--select", "secret", "-f", "json"]
    best, found = float("inf"), 0
    for _ in range(rounds):
        start = time.perf_counter()
        done = subprocess.run([*argv, str(corpus)], capture_output=True, env=ENV, check=False)
        best = min(best, time.perf_counter() - start)
        found = len(done.stdout.splitlines())
    return best, found


def detect_secrets(corpus: Path) -> tuple[float, int] | None:
    tool = shutil.which("detect-secrets")
    if tool is None:
        return None
    start = time.perf_counter()
    # --all-files: outside a git work tree, or for files git does not track, it scans nothing.
    done = subprocess.run(
        [tool, "scan", "--all-files", "."], cwd=corpus, capture_output=True, env=ENV, check=False
    )
    elapsed = time.perf_counter() - start
    results = json.loads(done.stdout or b"{}").get("results", {})
    return elapsed, sum(len(items) for items in results.values())


def many_tokens(rounds: int) -> tuple[float, int]:
    tokens = " ".join(f"AKIA{index:016d}" for index in range(20_000))
    data = {"request": {"body": {"messages": [{"role": "user", "content": tokens}]}}}
    raw = store.dumps(data)
    best, found = float("inf"), 0
    for _ in range(rounds):
        start = time.perf_counter()
        found = len(secrets.scan(raw, data))
        best = min(best, time.perf_counter() - start)
    return best, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    files = sorted(args.corpus.rglob("*.json"))
    size = sum(path.stat().st_size for path in files) / 1e6
    print(f"corpus: {args.corpus} ({len(files)} files, {size:.0f} MB); rounds: {args.rounds}")
    print(f"{'what':<44} {'time':>9} {'findings':>9}")
    rows = [
        ("recctl secrets.scan (in-process, parsed)", scan_alone(files, args.rounds)),
        ("recctl check --select secret (process)", recctl_check(args.corpus, args.rounds)),
    ]
    other = detect_secrets(args.corpus)
    if other is not None:
        rows.append(("detect-secrets scan (defaults, process)", other))
    rows.append(("20k AKIA tokens in one message (scan)", many_tokens(args.rounds)))
    for name, (elapsed, found) in rows:
        print(f"{name:<44} {elapsed:>8.3f}s {found:>9}")
    if other is not None:
        print(f"detect-secrets / recctl check: {other[0] / rows[1][1][0]:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
