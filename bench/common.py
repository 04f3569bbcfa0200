"""What the benchmark scripts share: where the corpora are, how a measured process starts,
and the floor every command is compared with."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
CORPUS_2025 = SHARED_CORPUS / "llama-stack-1394403"
"""The 2025 corpus: 1,066 files, the one the scale figures replicate."""

# Users' Python caches compiled modules; a sandbox that sets PYTHONDONTWRITEBYTECODE would
# make every run recompile recctl's own source and measure that instead.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
# Every benchmark measures the work itself, round after round: the result cache would answer
# every round after the first. bench/cache.py measures the cache, with it on (CACHED_ENV).
CACHED_ENV = dict(ENV)
ENV["RECCTL_NO_CACHE"] = "1"


def finished(argv: list[str], code: int, stderr: str) -> None:
    """Stop the benchmark when a measured command failed: an exit code other than 0 (clean)
    or 1 (findings), or a traceback, which recctl never prints (a missing module exits 1,
    as findings do). The time of a failure is no figure of the work."""
    if code not in (0, 1) or "Traceback (most recent call last)" in stderr:
        last = stderr.strip().splitlines()[-1:] or ["(nothing on standard error)"]
        raise SystemExit(f"bench: `{' '.join(argv)}` exited with {code}: {last[0]}")


def folder(text: str) -> Path:
    """A ``--corpus`` argument, absolute: the measured commands run in other folders."""
    return Path(text).resolve()


def floor_argv(corpus: Path | str) -> list[str]:
    """The floor (``floor.py``): one process that reads and orjson-parses every file."""
    return [sys.executable, str(HERE / "floor.py"), str(corpus)]


def least_read_argv(corpus: Path | str) -> list[str]:
    """The least a secret check costs (``least_read.py``): Python, typer, every file read."""
    return [sys.executable, str(HERE / "least_read.py"), str(corpus)]


def least_scan_argv(corpus: Path | str) -> list[str]:
    """The least a secret check on every core costs (``least_scan.py``): Python, typer,
    hyperscan, every file read and scanned once for the rules' literals."""
    return [sys.executable, str(HERE / "least_scan.py"), str(corpus)]


def least_warm_argv(corpus: Path | str) -> list[str]:
    """The least a warm check costs (``least_warm.py``): Python, typer, every file's stat,
    the result cache read."""
    return [sys.executable, str(HERE / "least_warm.py"), str(corpus)]


@contextlib.contextmanager
def worktree(revision: str, path: Path) -> Iterator[str]:
    """This repository at ``revision``, checked out at ``path`` for as long as it is needed:
    what ``PYTHONPATH`` names to run recctl as it was then."""
    git = ["git", "-C", str(REPO), "worktree"]
    subprocess.run([*git, "add", "--detach", str(path), revision], check=True, capture_output=True)
    try:
        yield str(path)
    finally:
        subprocess.run([*git, "remove", "--force", str(path)], capture_output=True)
