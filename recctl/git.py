"""git, run as a subprocess: what ``diff``, ``check --changed`` and the cache ask of it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from recctl.errors import UsageError


def run_git(
    args: Sequence[str], cwd: Path, input: bytes | None = None, why: str = ""
) -> subprocess.CompletedProcess[bytes]:
    """git, run; a usage error (one line, exit 2) when it is not on PATH. Every call of git
    goes through here."""
    if shutil.which("git") is None:
        raise UsageError(f"git is not on PATH{': ' + why if why else ''}")
    return subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=False)


def git(args: Sequence[str], cwd: Path, input: bytes | None = None, why: str = "") -> bytes:
    """git's standard output; a usage error with git's own message when it fails."""
    completed = run_git(args, cwd, input, why)
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise UsageError(f"git {args[0]} failed: {message or completed.returncode}")
    return completed.stdout


def revision(name: str, what: str) -> str:
    """A revision the user named, refused when git would read it as an option: ``--base
    --output=FILE`` must never make git truncate FILE. Callers also pass it after
    ``--end-of-options``."""
    if name.startswith("-"):
        raise UsageError(f"{what} {name!r}: a revision cannot start with '-'")
    return name


def default_branch(cwd: Path, why: str = "") -> str | None:
    """The branch pull requests merge into: origin's HEAD, else main or master."""
    remote = run_git(
        ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], cwd, why=why
    )
    if remote.returncode == 0 and remote.stdout.strip():
        return remote.stdout.decode().strip()
    for name in ("origin/main", "origin/master", "main", "master"):
        known = run_git(["rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"], cwd, why=why)
        if known.returncode == 0:
            return name
    return None
