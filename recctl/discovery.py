"""Which files are recordings.

A file argument is always taken. A directory argument means every ``*.json`` below it that
has a directory named ``recordings`` on its path: that finds llama-stack's per-test folders
and the legacy ``recordings/responses/`` while skipping ``ci_matrix.json`` and friends.
With no arguments: ``[tool.recctl] paths``, else ``./recordings``, else every ``recordings``
directory below the current one.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from recctl.config import Config
from recctl.errors import UsageError

RECORDINGS_DIR = "recordings"

# Never descended into: version control, virtualenvs, caches, vendored JavaScript.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
    }
)


def _prune(dirpath: str, dirnames: list[str]) -> None:
    dirnames[:] = sorted(
        name
        for name in dirnames
        if name not in SKIP_DIRS and not os.path.exists(os.path.join(dirpath, name, "pyvenv.cfg"))
    )


def _under_recordings(path: str) -> bool:
    return f"{os.sep}{RECORDINGS_DIR}{os.sep}" in f"{path}{os.sep}"


def _as_prefix(directory: str) -> str:
    """The start of every path below ``directory``."""
    return directory if directory.endswith(os.sep) else directory + os.sep


def walk_recordings(directory: str) -> Iterator[str]:
    """Every ``*.json`` below ``directory`` with a ``recordings`` directory on its path."""
    for dirpath, dirnames, filenames in os.walk(directory):
        _prune(dirpath, dirnames)
        if not _under_recordings(dirpath):
            continue
        # os.path.join per file took a third of a walk over ten thousand files.
        prefix = _as_prefix(dirpath)
        yield from [prefix + name for name in filenames if name.endswith(".json")]
        # A directory named like a recording is reported by the loader, not silently skipped.
        yield from [prefix + name for name in dirnames if name.endswith(".json")]


def recordings_dirs_below(directory: str) -> list[str]:
    """Every directory named ``recordings`` below ``directory``, outermost only."""
    found: list[str] = []
    for dirpath, dirnames, _ in os.walk(directory):
        _prune(dirpath, dirnames)
        if RECORDINGS_DIR in dirnames:
            found.append(os.path.join(dirpath, RECORDINGS_DIR))
            dirnames.remove(RECORDINGS_DIR)
    return found


def default_paths(config: Config, cwd: Path) -> list[str]:
    """Where to look when the user names nothing."""
    if config.paths:
        return [str(path) for path in config.paths]
    local = cwd / RECORDINGS_DIR
    if local.is_dir():
        return [str(local)]
    return recordings_dirs_below(str(cwd))


@functools.lru_cache(maxsize=4096)
def _display_dir(directory: str, cwd: str) -> str:
    return os.path.relpath(directory, cwd)


def display_path(path: str | Path, cwd: Path) -> str:
    """A path as the user should see it: relative to where they stand."""
    text, base = str(path), str(cwd)
    prefix = _as_prefix(base)
    if text.startswith(prefix):
        return text[len(prefix) :]
    # relpath normalizes both sides on every call: do it once per directory.
    directory, name = os.path.split(text)
    return os.path.join(_display_dir(directory, base), name)


def find_recording_names(args: Sequence[str], config: Config, cwd: Path | None = None) -> list[str]:
    """The recordings named by ``args`` (or the defaults) as absolute path strings, sorted as
    the user sees them, without repeats.

    Strings, not Path objects: a corpus of 100,000 files costs a third of the memory.
    """
    cwd = cwd or Path.cwd()
    roots = [str(cwd / arg) for arg in args] if args else default_paths(config, cwd)
    if not roots:
        raise UsageError(
            "no recordings found: pass files or directories, or set paths in [tool.recctl]"
        )
    seen: dict[str, None] = {}
    for root in map(os.path.abspath, roots):
        if os.path.isdir(root):
            seen.update(dict.fromkeys(walk_recordings(root)))
        else:
            # A file argument is always taken; a missing one becomes the loader's finding.
            seen[root] = None
    if not seen:
        where = ", ".join(display_path(root, cwd) for root in roots)
        raise UsageError(f"no recordings found in {where}")
    below = _as_prefix(str(cwd))
    if all(path.startswith(below) for path in seen):
        # Shown with the shared prefix cut off: the same order, without a key per file.
        return sorted(seen)
    return sorted(seen, key=lambda path: display_path(path, cwd))


def find_recordings(args: Sequence[str], config: Config, cwd: Path | None = None) -> list[Path]:
    """``find_recording_names`` as Path objects, for commands that work on few files or
    rename them."""
    return [Path(name) for name in find_recording_names(args, config, cwd)]
