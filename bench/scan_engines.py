"""The secret scan's engines compared: which finds the patterns' literals quickest.

    python bench/scan_engines.py [--rounds 5] [CORPUS]
    python -m pip install google-re2 pyahocorasick   # optional: compared when installed

Reads every file of the corpus into memory, then times, over all of them: the nine ``re``
passes recctl made before (one per secret pattern), one hyperscan pass for every pattern's
leading literal (what recctl does now), and, when installed, RE2 with the patterns merged
into one and an Aho-Corasick automaton of the literals. Minimum over the rounds.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path

from common import SHARED_CORPUS

from recctl import secret_rules, secrets
from recctl.scan import PatternSet

# The rules' prefixes that are plain literals (pyahocorasick takes no regex).
LITERALS = [
    rule.prefix for rule in secret_rules.RULES if re.fullmatch(rb"[A-Za-z0-9_ -]+", rule.prefix)
]


def engines() -> dict[str, Callable[[bytes], object]]:
    found: dict[str, Callable[[bytes], object]] = {
        "re, one pass per pattern": lambda raw: [
            list(rule().finditer(raw)) for rule in secrets._COMPILED
        ],
    }
    try:
        import hyperscan  # noqa: F401

        prefilter = PatternSet(secrets._PREFILTER.patterns, compile_after=0)
        found["hyperscan, the literals at once"] = prefilter.present
    except ImportError:
        pass
    try:
        import re2

        merged = re2.compile(b"|".join(b"(?:" + p().pattern + b")" for p in secrets._COMPILED))
        found["re2, patterns merged"] = lambda raw: list(merged.finditer(raw))
    except ImportError:
        pass
    try:
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for literal in LITERALS:
            automaton.add_word(literal.decode("latin-1"), literal)
        automaton.make_automaton()
        found["pyahocorasick, the literals"] = lambda raw: list(
            automaton.iter(raw.decode("latin-1"))
        )
    except ImportError:
        pass
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    raws = [path.read_bytes() for path in sorted(args.corpus.rglob("*.json"))]
    size = sum(map(len, raws))
    print(f"{len(raws)} files, {size / 1e6:.1f} MB; minimum of {args.rounds} rounds")
    for name, scan in engines().items():
        best = float("inf")
        for _ in range(args.rounds):
            start = time.perf_counter()
            for raw in raws:
                scan(raw)
            best = min(best, time.perf_counter() - start)
        print(f"{name:<34} {best * 1000:>7.1f} ms  {size / best / 1e9:>5.2f} GB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
