"""Which files are recordings.

A file argument is always taken. A directory argument means every ``*.json`` below it that
has a directory named ``recordings`` on its path: that finds llama-stack's per-test folders
and the legacy ``recordings/responses/`` while skipping ``ci_matrix.json`` and friends.
With no arguments: the current directory when it is a recordings folder, else
``[tool.recctl] paths``, else ``./recordings``, else every ``recordings`` directory below the
current one. Results are absolute paths; ``display_path`` is for reporters.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from recctl.errors import UsageError
from recctl.project import Project, missing_path, real_path

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
        ".recctl_cache",
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


def under_recordings(path: str) -> bool:
    """Whether ``path`` is a ``recordings`` directory or lies inside one."""
    return f"{os.sep}{RECORDINGS_DIR}{os.sep}" in f"{path}{os.sep}"


def _as_prefix(directory: str) -> str:
    """The start of every path below ``directory``."""
    return directory if directory.endswith(os.sep) else directory + os.sep


def walk_recordings(directory: str) -> Iterator[str]:
    """Every ``*.json`` below ``directory`` with a ``recordings`` directory on its path.

    A directory that cannot be listed is yielded too: the loader reports it, so that no
    command skips a file it could not see.
    """
    unreadable: list[str] = []
    for dirpath, dirnames, filenames in os.walk(directory, onerror=_collect(unreadable)):
        yield from _drain(unreadable)
        _prune(dirpath, dirnames)
        if not under_recordings(dirpath):
            continue
        # os.path.join per file took a third of a walk over ten thousand files.
        prefix = _as_prefix(dirpath)
        yield from [prefix + name for name in filenames if name.endswith(".json")]
        # A directory named like a recording is reported by the loader, not silently skipped.
        yield from [prefix + name for name in dirnames if name.endswith(".json")]
    yield from _drain(unreadable)


def _collect(unreadable: list[str]) -> Callable[[OSError], None]:
    return lambda error: unreadable.append(str(error.filename))


def _drain(unreadable: list[str]) -> list[str]:
    drained = [str(path) for path in unreadable]
    unreadable.clear()
    return drained


def recordings_dirs_below(directory: str) -> list[str]:
    """Every directory named ``recordings`` below ``directory``, outermost only."""
    found: list[str] = []
    for dirpath, dirnames, _ in os.walk(directory):
        _prune(dirpath, dirnames)
        if RECORDINGS_DIR in dirnames:
            found.append(os.path.join(dirpath, RECORDINGS_DIR))
            dirnames.remove(RECORDINGS_DIR)
    return found


def expected_dir(root: Path, test_id: str | None) -> Path | None:
    """Where the recorder reads a test's recordings: ``recordings/`` beside its test file
    (None without a test id)."""
    if not test_id:
        return None
    return (root / test_id.partition("::")[0]).parent / RECORDINGS_DIR


def default_paths(project: Project, cwd: Path) -> list[str]:
    """Where to look when the user names nothing: the current directory when it is a
    recordings folder (or inside one), else the configured paths, else ``./recordings``,
    else every ``recordings`` directory below the current one."""
    here = os.path.abspath(cwd)
    if under_recordings(here):
        return [here]
    if project.config.paths:
        return [str(path) for path in project.config.paths]
    local = os.path.join(here, RECORDINGS_DIR)
    if os.path.isdir(local):
        return [local]
    return recordings_dirs_below(here)


@functools.lru_cache(maxsize=4096)
def _display_dir(directory: str, cwd: str) -> str:
    return os.path.relpath(directory, cwd)


def display_path(path: str | Path, cwd: Path) -> str:
    """A path as the user should see it: relative to where they stand (``./`` before a name
    that starts with a colon, which a CI log could read as a command)."""
    shown = _relative(path, cwd)
    return "./" + shown if shown.startswith(":") else shown


def _relative(path: str | Path, cwd: Path) -> str:
    text, base = str(path), str(cwd)
    if not os.path.isabs(text):
        return text  # already as the user gave it
    if text.rstrip(os.sep) == base.rstrip(os.sep):
        return "."  # where the user stands, not ../its-own-name
    prefix = _as_prefix(base)
    if text.startswith(prefix):
        return text[len(prefix) :]
    # relpath normalizes both sides on every call: do it once per directory.
    directory, name = os.path.split(text)
    return os.path.join(_display_dir(directory, base), name)


def find_recording_names(args: Sequence[str], project: Project, cwd: Path) -> list[str]:
    """The recordings named by ``args`` (relative to ``cwd``, or the defaults) as absolute
    path strings, sorted, each file once: a file named by two paths (a folder given twice,
    once through a symlink) is kept under the first.

    Strings, not Path objects: a corpus of 100,000 files costs a third of the memory.
    """
    roots = [os.path.join(cwd, arg) for arg in args] if args else default_paths(project, cwd)
    if not roots:
        raise UsageError(
            "no recordings found: pass files or directories, or set paths in [tool.recctl]"
        )
    seen: dict[str, str] = {}
    """Each file's identity (``real_path``) -> the first path that named it."""
    for arg, root in zip(args or roots, map(os.path.abspath, roots), strict=True):
        if not os.path.lexists(root):
            raise missing_path(arg)
        # A file argument is always taken; one that cannot be read is the loader's finding.
        for path in walk_recordings(root) if os.path.isdir(root) else (root,):
            seen.setdefault(real_path(path), path)
    if not seen:
        where = ", ".join(display_path(root, cwd) for root in roots)
        raise UsageError(f"no recordings found in {where}")
    return sorted(seen.values())


def find_recordings(args: Sequence[str], project: Project, cwd: Path) -> list[Path]:
    """``find_recording_names`` as Path objects, for commands that work on few files or
    rename them."""
    return [Path(name) for name in find_recording_names(args, project, cwd)]
