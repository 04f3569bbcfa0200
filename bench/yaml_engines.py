"""YAML engines for cassettes compared: PyYAML's C loader (what VCR.py writes and reads
with), yaml-rs and rapidyaml, on speed and on faithfulness to what PyYAML reads.

    python -m pip install yaml-rs rapidyaml   # optional: an engine not installed is skipped
    python bench/yaml_engines.py [--rounds 5] [DIR ...]

For each engine: the best of ``rounds`` passes parsing every cassette (files read once,
before timing), its ratio to PyYAML's C loader, and how many files it reads exactly as
PyYAML does (same Python objects; rapidyaml builds a tree, not objects, so only its parse is
timed and faithfulness is not comparable).
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from common import SHARED_CORPUS


def _files(directories: list[Path]) -> list[bytes]:
    found = []
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            if "cassettes" in path.parts and path.suffix in (".yaml", ".yml"):
                found.append(path.read_bytes())
    return found


def _engines() -> dict[str, Callable[[bytes], Any]]:
    engines: dict[str, Callable[[bytes], Any]] = {
        "pyyaml-c": lambda raw: yaml.load(raw, Loader=yaml.CSafeLoader)
    }
    try:
        import yaml_rs

        engines["yaml-rs"] = lambda raw: yaml_rs.loads(raw.decode("utf-8"))
    except ImportError:
        pass
    try:
        import ryml

        engines["rapidyaml (tree only)"] = lambda raw: ryml.parse_in_arena(raw)
    except ImportError:
        pass
    return engines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    directories = args.directories or sorted(SHARED_CORPUS.glob("vcr-*"))
    files = _files(directories)
    print(f"{len(files)} cassette files, {sum(map(len, files)) / 2**20:.1f} MiB")
    reference = [yaml.load(raw, Loader=yaml.CSafeLoader) for raw in files]
    base = None
    for name, load in _engines().items():
        best = float("inf")
        failures = 0
        for _ in range(args.rounds):
            started = time.perf_counter()
            for raw in files:
                try:
                    load(raw)
                except Exception:
                    failures += 1
            best = min(best, time.perf_counter() - started)
        base = base or best
        same = "-"
        if "tree" not in name:
            equal = 0
            for raw, expected in zip(files, reference, strict=True):
                with contextlib.suppress(Exception):  # an engine's refusal is not a match
                    equal += load(raw) == expected
            same = f"{equal}/{len(files)}"
        print(
            f"{name:24} {best:7.3f} s  {best / base:5.2f}x  same as PyYAML: {same}"
            f"  errors: {failures // args.rounds}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
