"""Issue #30's figures in one run, each beside the same figure for an earlier revision.

    python bench/cold.py [--before REV] [--rounds 5] [--corpus DIR] [--skip-memory]

``--before`` (default ``HEAD~1``) is checked out in a git worktree and run from it
(``PYTHONPATH``), in the same rounds as this tree, alternating, so that the machine's drift
touches both alike. Every row is a median of whole processes; every ratio is against its
baseline measured in the same run. A baseline that runs the same program whatever the tree
(the floor, check-jsonschema) is one series, run beside each side in turn: both sides'
ratios divide by the median of all its runs.

- start-up: ``recctl --version`` in milliseconds, and ``recctl check ONE.json`` against
  ``check-jsonschema`` on the same file (when it is installed);
- the corpus replicated 1x and 10x: ``check`` and ``check --select secret`` with the result
  cache off, against the floor (one process that reads and orjson-parses every file), the
  secret check again with an empty pattern cache folder (a fresh machine compiles the scan's
  patterns), and ``check`` with a warm cache at 10x (each tree in a copy of its own);
- beside them, the least a secret check can cost (``least_read.py``: Python, typer and
  every file read, in one process; ``least_scan.py``: Python, typer and hyperscan, every
  file read and scanned once for the rules' literals, on every core), and the least a warm
  check can cost (``least_warm.py``: Python, typer, every file's stat and the result cache
  read), against the same floor: a limit under any of them is out of any run's reach;
- one answer holding 200,000 key-shaped tokens (4 MB): ``check``'s time and peak memory;
- peak memory of every whole-corpus command at 1x and 10x (``memory.py``'s list), and its
  growth.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from cache import timed
from common import (
    CACHED_ENV,
    CORPUS_2025,
    ENV,
    REPO,
    floor_argv,
    folder,
    least_read_argv,
    least_scan_argv,
    least_warm_argv,
    worktree,
)
from memory import COMMANDS as MEMORY_COMMANDS
from scale import measure, replicate

from bench import CC0156
from recctl.parallel import default_jobs

RECCTL = [sys.executable, "-m", "recctl"]
SCHEMA = REPO / "schemas" / "recording.schema.json"
TOKENS = 200_000


Env = dict[str, str]
Make = Callable[[str | None], tuple[list[str], Path, Env]]
"""What a row runs under a tree (None: this one): argv, working directory, environment."""


def env_for(tree: str | None, env: dict[str, str] = ENV) -> dict[str, str]:
    """The environment that runs recctl from ``tree`` (None: this checkout, whatever is
    installed)."""
    return {**env, "PYTHONPATH": tree or str(REPO)}


def floor_at(root: Path, _: str | None) -> tuple[list[str], Path, dict[str, str]]:
    return floor_argv(root), root, ENV


def least_read_at(root: Path, _: str | None) -> tuple[list[str], Path, dict[str, str]]:
    return least_read_argv(root), root, ENV


def least_scan_at(root: Path, _: str | None) -> tuple[list[str], Path, dict[str, str]]:
    return least_scan_argv(root), root, ENV


def recctl_at(
    root: Path, arguments: list[str], tree: str | None
) -> tuple[list[str], Path, dict[str, str]]:
    return [*RECCTL, *arguments], root, env_for(tree)


class Rows:
    """Medians by row name, for this tree ("now") and the earlier one ("before")."""

    def __init__(self) -> None:
        self.times: dict[tuple[str, str], list[float]] = {}

    def add(self, name: str, side: str, seconds: float) -> None:
        self.times.setdefault((name, side), []).append(seconds)

    def median(self, name: str, side: str) -> float | None:
        values = self.times.get((name, side))
        return statistics.median(values) if values else None

    def pooled(self, name: str) -> float | None:
        """The median of a row over every side: for a baseline that runs the same program
        whatever the tree (the floor, check-jsonschema), whose runs beside each side are
        one series, not two (the floor alone moves by a quarter between series)."""
        values = [value for (row, _), times in self.times.items() if row == name for value in times]
        return statistics.median(values) if values else None


def alternate(
    rows: Rows,
    rounds: int,
    commands: dict[str, Make],
    trees: dict[str, str | None],
) -> None:
    """Every command under every tree once per round, after one warm-up round."""
    for round_ in range(rounds + 1):
        for name, make in commands.items():
            for side, tree in trees.items():
                argv, cwd, env = make(tree)
                seconds = timed(argv, cwd, env)
                if round_:
                    rows.add(name, side, seconds)


def ratio_table(
    title: str, rows: Rows, names: list[str], base: str, sides: list[str], scale: float = 1.0
) -> None:
    """Each row's median as a ratio of the ``base`` row's (same side), sides beside."""
    print(f"\n## {title}")
    header = "".join(f"{side + ' median':>16}{side + ' ratio':>14}" for side in sides)
    print(f"{'':<44}{header}")
    for name in names:
        cells = []
        for side in sides:
            value = rows.median(name, side)
            base_value = rows.pooled(base)
            if value is None or base_value is None:
                cells.append(f"{'-':>16}{'-':>14}")
                continue
            shown = f"{value * scale:.1f} ms" if scale != 1.0 else f"{value:.3f} s"
            cells.append(f"{shown:>16}{value / base_value:>13.2f}x")
        print(f"{name:<44}" + "".join(cells))


def warm_rows(
    rows: Rows, name: str, least: str, root: Path, trees: dict[str, str | None], rounds: int
) -> None:
    """``check`` with a warm result cache, the trees alternating round by round as in the
    other rows. Each tree runs in its own copy of the replica, made of hard links (the same
    files, so the same identities and page cache), with a cache folder of its own. Beside
    them, row ``least``: the least a warm check costs (``least_warm.py``), on this tree's
    copy and cache."""
    argv = [*RECCTL, "check", "."]
    roots = {side: root.with_name(f"{root.name}-warm-{side}") for side in trees}
    # Every copy first: a new link changes the files' ctime, which the cache's identities
    # hold, so a cache filled before the last copy was made would be stale.
    for copy in roots.values():
        shutil.copytree(root, copy, copy_function=os.link)
    try:
        for side, tree in trees.items():
            timed(argv, roots[side], env_for(tree, CACHED_ENV))  # fills its cache
        for _ in range(rounds):
            for side, tree in trees.items():
                rows.add(name, side, timed(argv, roots[side], env_for(tree, CACHED_ENV)))
            least_root = roots[next(iter(trees))]
            rows.add(least, "now", timed(least_warm_argv(least_root), least_root, ENV))
    finally:
        for copy in roots.values():
            shutil.rmtree(copy, ignore_errors=True)


def pathological(directory: Path) -> Path:
    """A recording whose answer holds ``TOKENS`` key-shaped tokens, one place, one kind."""
    data = json.loads((REPO / "tests" / "data" / "recordings" / "chat-stream.json").read_text())
    tokens = " ".join(f"AKIA{index:016d}" for index in range(TOKENS))
    data["response"] = {
        "body": {
            "__type__": "openai.types.chat.chat_completion.ChatCompletion",
            "__data__": {
                "id": "chatcmpl-1",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": tokens},
                    }
                ],
                "created": 1,
                "model": "gpt-4o",
                "object": "chat.completion",
            },
        },
        "is_streaming": False,
    }
    path = directory / "tokens.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1", help="the revision to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", type=folder, default=CORPUS_2025)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recctl-cold-") as temp_name:
        temp = Path(temp_name)
        with worktree(args.before, temp / "before") as before:
            run(args, temp, {"now": None, "before": before})
    return 0


Target = tuple[str, dict[str, float], float, str]
"""An issue target: what, its figure by side, the limit, the unit."""

Bound = tuple[str, float, str, float]
"""What no run can beat: what, its ratio to the floor, the target it bounds, that limit."""


def print_targets(targets: list[Target], sides: list[str]) -> None:
    print("\n## issue #30's targets")
    print(f"{'target':<44}{'limit':>10}" + "".join(f"{side:>12}" for side in sides))
    for label, figures, limit, unit in targets:
        cells = []
        for side in sides:
            value = figures.get(side)
            if value is None:
                cells.append(f"{'-':>12}")
                continue
            mark = "" if value <= limit else " !"
            cells.append(f"{value:>9.2f}{unit:<1}{mark:>2}")
        print(f"{label:<44}{limit:>9.2f}{unit:<1}" + "".join(cells))
    print("(! = over the limit)")


def add_bound(
    bounds: list[Bound], rows: Rows, row: str, floor: str, target: str, limit: float
) -> None:
    """Row ``row`` (one of the least-cost scripts) against the floor, as a bound on
    ``target``: both pooled over the sides, which run the same programs."""
    least, base = rows.pooled(row), rows.pooled(floor)
    if least is not None and base:
        bounds.append((f"{row} / floor", least / base, target, limit))


def print_bounds(bounds: list[Bound]) -> None:
    print("\n## what no run can beat, against the same floor")
    for label, figure, target, limit in bounds:
        verdict = "out of reach" if figure > limit else "within reach"
        print(f"{label:<48}{figure:>9.2f}x  ({target}: limit {limit:.2f}x, {verdict})")


def run(args: argparse.Namespace, temp: Path, trees: dict[str, str | None]) -> None:
    sides = list(trees)
    print(f"{os.cpu_count()} CPUs; rounds: {args.rounds}; before: {args.before}")
    rows = Rows()
    targets: list[Target] = []
    bounds: list[Bound] = []

    def ratio(name: str, base: str) -> dict[str, float]:
        figures = {}
        for side in sides:
            value = rows.median(name, side)
            base_value = rows.pooled(base)
            if value is not None and base_value:
                figures[side] = value / base_value
        return figures

    # Start-up.
    # The file bench.py's check-one scenario checks, where the corpus has it.
    one = next(args.corpus.rglob(f"{CC0156}.json"), None) or sorted(args.corpus.rglob("*.json"))[0]
    checker = shutil.which("check-jsonschema")
    startup: dict[str, Make] = {
        "recctl --version": lambda tree: ([*RECCTL, "--version"], temp, env_for(tree)),
        "recctl check ONE.json": lambda tree: ([*RECCTL, "check", str(one)], temp, env_for(tree)),
    }
    alternate(rows, args.rounds * 3, startup, trees)
    if checker:
        argv = [checker, "--schemafile", str(SCHEMA), str(one)]
        alternate(
            rows, args.rounds * 3, {"check-jsonschema": lambda _: (argv, temp, ENV)}, {"now": None}
        )
    ratio_table("start-up (ms)", rows, ["recctl --version"], "recctl --version", sides, 1000.0)
    version = {side: (rows.median("recctl --version", side) or 0) * 1000 for side in sides}
    targets.append(("recctl --version, median (ms)", version, 40.0, " "))
    if checker:
        names = ["check-jsonschema", "recctl check ONE.json"]
        ratio_table("one file, against check-jsonschema", rows, names, "check-jsonschema", sides)
        one_file = ratio("recctl check ONE.json", "check-jsonschema")
        targets.append(("check ONE.json / check-jsonschema", one_file, 0.4, "x"))

    # The corpus, 1x and 10x.
    for copies in (1, 10):
        root = temp / f"x{copies}"
        files = replicate(args.corpus, root, copies)
        (root / "pyproject.toml").write_text("[tool.recctl]\n")
        size = f"{copies}x"
        floor, least, least_scan, check, secret, warm, least_warm = (
            f"{size} {name}"
            for name in (
                "floor",
                "python + typer + read",
                f"python + typer + scan, {default_jobs()} cores",
                "check",
                "check --select secret",
                "check, warm cache",
                "python + typer + stat + cache",
            )
        )
        fresh = f"{secret}, no kept patterns"

        def fresh_machine(tree: str | None, root: Path = root) -> tuple[list[str], Path, Env]:
            # An empty cache folder each run: hyperscan compiles the patterns, as on a fresh
            # CI runner (the other rows load them from the user's cache folder).
            argv, cwd, env = recctl_at(root, ["check", "--select", "secret", "."], tree)
            return argv, cwd, {**env, "XDG_CACHE_HOME": tempfile.mkdtemp(dir=temp)}

        commands: dict[str, Make] = {
            floor: functools.partial(floor_at, root),
            least: functools.partial(least_read_at, root),
            least_scan: functools.partial(least_scan_at, root),
            check: functools.partial(recctl_at, root, ["check", "."]),
            secret: functools.partial(recctl_at, root, ["check", "--select", "secret", "."]),
            fresh: fresh_machine,
        }
        alternate(rows, args.rounds, commands, trees)
        names = list(commands)
        if copies == 10:
            warm_rows(rows, warm, least_warm, root, trees, args.rounds)
            names += [warm, least_warm]
        ratio_table(f"{size}: {files} files, cold (no result cache)", rows, names, floor, sides)
        targets.append((f"{size} cold check / floor", ratio(check, floor), 2.0, "x"))
        targets.append((f"{size} check --select secret / floor", ratio(secret, floor), 0.8, "x"))
        for row in (least, least_scan):
            add_bound(bounds, rows, row, floor, f"{size} secret check", 0.8)
        if copies == 10:
            targets.append(("10x warm check / floor", ratio(warm, floor), 0.3, "x"))
            add_bound(bounds, rows, least_warm, floor, "10x warm check", 0.3)
        if copies == 1:
            shutil.rmtree(root)

    # 200,000 key-shaped tokens in one answer.
    tokens = pathological(temp)
    print(f"\n## one answer of {TOKENS:,} key-shaped tokens ({tokens.stat().st_size / 1e6:.1f} MB)")
    token_time: dict[str, float] = {}
    token_peak: dict[str, float] = {}
    for side, tree in trees.items():
        argv = [*RECCTL, "check", str(tokens)]
        measure(argv, temp, env_for(tree))
        seconds, peak = measure(argv, temp, env_for(tree))
        print(f"{side:<8} {seconds:>8.2f} s {peak / 1024:>8.1f} MB")
        token_time[side], token_peak[side] = seconds, peak / 1024
    targets.append((f"{TOKENS:,} key-shaped tokens: time (s)", token_time, 1.0, " "))
    targets.append((f"{TOKENS:,} key-shaped tokens: peak (MB)", token_peak, 100.0, " "))

    if args.skip_memory:
        print_targets(targets, sides)
        print_bounds(bounds)
        return
    print("\n## peak memory of every whole-corpus command, 10x over 1x")
    small = temp / "m1"
    replicate(args.corpus, small, 1)
    large = temp / "x10"
    print(
        f"{'command':<16}"
        + "".join(f"{side + ' 1x':>11}{side + ' 10x':>11}{'growth':>8}" for side in sides)
    )
    growth: dict[str, float] = {}
    for name, template in MEMORY_COMMANDS.items():
        cells = []
        for side, tree in trees.items():
            peaks = []
            for root in (small, large):
                argv = [*RECCTL, *(part.format(dir=root) for part in template)]
                measure(argv, root, env_for(tree))
                peaks.append(measure(argv, root, env_for(tree))[1] / 1024)
            cells.append(f"{peaks[0]:>9.1f}MB{peaks[1]:>9.1f}MB{peaks[1] / peaks[0]:>7.2f}x")
            growth[side] = max(growth.get(side, 0.0), peaks[1] / peaks[0])
        print(f"{name:<16}" + "".join(cells))
    targets.append(("largest memory growth, 10x / 1x", growth, 1.2, "x"))
    print_targets(targets, sides)
    print_bounds(bounds)


if __name__ == "__main__":
    sys.exit(main())
