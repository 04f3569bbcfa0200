"""Peak memory of every whole-corpus command at 1x and 10x the 2025 corpus.

    python bench/memory.py [--corpus DIR] [--only NAME]

Each command runs as a whole process on the corpus replicated 1x (1,066 files) and 10x
(10,660 files), output to a pipe (as in CI); the peak is the largest resident set of the
process and its workers (``getrusage(RUSAGE_CHILDREN)``). Flat is the 10x peak within 1.2x
of the 1x peak: a command that holds one object per file grows with the corpus instead.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import CORPUS_2025, folder
from scale import measure, replicate

COMMANDS: dict[str, list[str]] = {
    "check": ["check", "{dir}"],
    "validate": ["validate", "{dir}"],
    "rehash": ["rehash", "{dir}"],
    "rehash -f json": ["rehash", "-f", "json", "{dir}"],
    "ls": ["ls", "{dir}"],
    "ls -f json": ["ls", "-f", "json", "{dir}"],
    "ls --summary": ["ls", "--summary", "{dir}"],
    "show -f json": ["show", "-f", "json", "{dir}"],
    "prune": ["prune", "{dir}"],
    "diff DIR DIR": ["diff", "{dir}", "{dir}"],
    "normalize": ["normalize", "{dir}"],
    "redact": ["redact", "{dir}"],
    "fix": ["fix", "{dir}"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=folder, default=CORPUS_2025)
    parser.add_argument("--only", action="append", help="only these commands (repeatable)")
    args = parser.parse_args()
    chosen = {name: argv for name, argv in COMMANDS.items() if not args.only or name in args.only}
    peaks: dict[str, dict[int, tuple[float, int]]] = {name: {} for name in chosen}
    with tempfile.TemporaryDirectory(prefix="recctl-memory-") as temp:
        for copies in (1, 10):
            root = Path(temp) / f"x{copies}"
            replicate(args.corpus, root, copies)
            for name, argv in chosen.items():
                command = [sys.executable, "-m", "recctl", *(a.format(dir=root) for a in argv)]
                measure(command, root)  # the page cache
                peaks[name][copies] = measure(command, root)
    header = ("1x time", 8), ("1x peak", 9), ("10x time", 9), ("10x peak", 9), ("growth", 7)
    print(f"{'command':<16} " + " ".join(f"{name:>{width}}" for name, width in header))
    flat = True
    for name, sizes in peaks.items():
        (t1, m1), (t10, m10) = sizes[1], sizes[10]
        growth = m10 / m1
        flat &= growth <= 1.2
        print(
            f"{name:<16} {t1:>7.2f}s {m1 / 1024:>7.1f}MB {t10:>8.2f}s {m10 / 1024:>7.1f}MB "
            f"{growth:>6.2f}x"
        )
    print("every command flat (10x within 1.2x of 1x)" if flat else "NOT flat: see growth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
