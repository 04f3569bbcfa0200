"""Which files are fixtures, and whose.

A file argument is always taken. A directory argument means every file below it that lies
in a recorder's folder and has a name that recorder writes: ``*.json`` below a
``recordings`` folder (llama-stack's per-test folders and the legacy
``recordings/responses/``, skipping ``ci_matrix.json`` and friends), ``*.yaml`` (``.yml``,
``.yaml.gz``, ``.json``) below a ``cassettes`` folder (VCR.py). A command that works on some
recorders' files only (``rehash`` renames hash-named files) walks only theirs.
With no arguments: the current directory when it is a fixture folder, else
``[tool.recctl] paths``, else ``./recordings``, else every fixture folder below the current
one. Results are absolute paths; ``display_path`` is for reporters.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from recctl.errors import UsageError
from recctl.project import (
    Project,
    links_in,
    missing_path,
    real_directory,
    real_path,
    real_path_of,
)
from recctl.recorders import RECORDERS, Recorder, folder_of, named

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


def folder_recorder(directory: str) -> Recorder | None:
    """The recorder whose folder ``directory`` is or lies in (the innermost one)."""
    return folder_of(directory.split(os.sep))


def in_fixture_folder(path: str) -> bool:
    """Whether ``path`` is a recorder's folder or lies inside one."""
    return folder_recorder(path) is not None


def recorders_for(command: str | None) -> tuple[Recorder, ...]:
    """The recorders whose files ``command`` works on (every one for None)."""
    if command is None:
        return RECORDERS
    return tuple(recorder for recorder in RECORDERS if command in recorder.commands)


def _as_prefix(directory: str) -> str:
    """The start of every path below ``directory``."""
    return directory if directory.endswith(os.sep) else directory + os.sep


def walk_fixtures(directory: str, command: str | None = None) -> Iterator[str]:
    """Every file below ``directory`` that lies in a recorder's folder and has a name that
    recorder writes (only the recorders ``command`` works on).

    A directory that cannot be listed is yielded too: the loader reports it, so that no
    command skips a file it could not see.
    """
    for folder, names in walk_fixture_folders(directory, command):
        yield from [folder + name for name in names]


def walk_fixture_folders(
    directory: str, command: str | None = None
) -> Iterator[tuple[str, list[str]]]:
    """``walk_fixtures``' files folder by folder: each folder (ending in a separator) with
    the names in it, so that what holds for a folder is worked out once for all its files."""
    wanted = recorders_for(command)
    unreadable: list[str] = []
    for dirpath, dirnames, filenames in os.walk(directory, onerror=_collect(unreadable)):
        yield from _drain(unreadable)
        _prune(dirpath, dirnames)
        recorder = folder_recorder(dirpath)
        if recorder is None or recorder not in wanted:
            continue
        owns = recorder.owns_name
        # A directory named like a fixture is reported by the loader, not silently skipped.
        # os.path.join per file took a third of a walk over ten thousand files.
        names = [name for name in filenames if owns(name)] + [
            name for name in dirnames if owns(name)
        ]
        if names:
            yield _as_prefix(dirpath), names
    yield from _drain(unreadable)


def _collect(unreadable: list[str]) -> Callable[[OSError], None]:
    return lambda error: unreadable.append(str(error.filename))


def _drain(unreadable: list[str]) -> list[tuple[str, list[str]]]:
    drained = []
    for path in map(str, unreadable):
        folder, name = os.path.split(path)
        drained.append((_as_prefix(folder), [name]))
    unreadable.clear()
    return drained


def fixture_dirs_below(directory: str, command: str | None = None) -> list[str]:
    """Every recorder's folder below ``directory`` (``recordings``, ``cassettes``; only those
    of the recorders ``command`` works on), outermost only."""
    folders = {recorder.folder for recorder in recorders_for(command)}
    found: list[str] = []
    for dirpath, dirnames, _ in os.walk(directory):
        _prune(dirpath, dirnames)
        for name in sorted(folders.intersection(dirnames)):
            found.append(os.path.join(dirpath, name))
            dirnames.remove(name)
    return found


def expected_dir(root: Path, test_id: str | None) -> Path | None:
    """Where the recorder reads a test's recordings: ``recordings/`` beside its test file
    (None without a test id)."""
    if not test_id:
        return None
    return (root / test_id.partition("::")[0]).parent / RECORDINGS_DIR


def default_paths(project: Project, cwd: Path, command: str | None = None) -> list[str]:
    """Where to look when the user names nothing: the current directory when it is a
    fixture folder (or inside one), else the configured paths, else ``./recordings``,
    else every fixture folder below the current one."""
    here = os.path.abspath(cwd)
    if in_fixture_folder(here):
        return [here]
    if project.config.paths:
        return [str(path) for path in project.config.paths]
    local = os.path.join(here, RECORDINGS_DIR)
    if os.path.isdir(local):
        # ./recordings alone of the recordings folders, and every other recorder's folder
        # below (cassettes) for the commands that read them.
        others = fixture_dirs_below(here, command)
        return [local, *[path for path in others if os.path.basename(path) != RECORDINGS_DIR]]
    return fixture_dirs_below(here, command)


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


def _what(command: str | None) -> str:
    """What a command's files are called: "recordings", "recordings or cassettes"."""
    return " or ".join(f"{recorder.noun}s" for recorder in recorders_for(command))


def refuse_other_files(args: Sequence[str], cwd: Path, command: str) -> None:
    """A usage error for a file named directly that belongs to a recorder ``command`` does
    not read (a cassette given to ``rehash``): never a wrong answer about it."""
    wanted = recorders_for(command)
    for arg in args:
        path = os.path.join(cwd, arg)
        recorder = named(path) if os.path.isfile(path) else None
        if recorder is not None and recorder not in wanted:
            raise UsageError(
                f"{arg} is a {recorder.noun} ({recorder.name}): {command} reads {_what(command)}"
            )


def _add_folder(seen: dict[str, str], folder: str, names: list[str]) -> None:
    """Add a walk's files of one folder to ``seen``. The walk's paths are absolute and
    normalized already (under an absolute root): in a folder reached through no symlink, no
    file of which is one, each path is its own identity and keys itself, one string per
    file, not two (10,000 files: 1.5 MB), with the folder resolved once, not per file."""
    directory = folder[: -len(os.sep)] if len(folder) > len(os.sep) else folder
    if real_directory(directory) == directory and links_in(directory).isdisjoint(names):
        for name in names:
            path = folder + name
            seen.setdefault(path, path)
        return
    for name in names:
        path = folder + name
        identity = real_path_of(directory, name)
        seen.setdefault(path if identity == path else identity, path)


def find_fixture_names(
    args: Sequence[str], project: Project, cwd: Path, command: str | None = None
) -> list[str]:
    """The fixtures named by ``args`` (relative to ``cwd``, or the defaults) as absolute
    path strings, sorted, each file once: a file named by two paths (a folder given twice,
    once through a symlink) is kept under the first. ``command``: only the files of the
    recorders it works on; a file of another recorder named directly is a usage error.

    Strings, not Path objects: a corpus of 100,000 files costs a third of the memory.
    """
    roots = (
        [os.path.join(cwd, arg) for arg in args] if args else default_paths(project, cwd, command)
    )
    what = _what(command)
    if not roots:
        raise UsageError(
            f"no {what} found: pass files or directories, or set paths in [tool.recctl]"
        )
    seen: dict[str, str] = {}
    """Each file's identity (``real_path``) -> the first path that named it."""
    for arg, root in zip(args or roots, map(os.path.abspath, roots), strict=True):
        if not os.path.lexists(root):
            raise missing_path(arg)
        if os.path.isdir(root):
            # A walk's paths are absolute and normalized already (under an absolute root).
            # A path that is its own identity (no symlink on the way) keys itself: one string
            # per file, not two (10,000 files: 1.5 MB).
            for folder, names in walk_fixture_folders(root, command):
                _add_folder(seen, folder, names)
            continue
        # A file argument is always taken; one that cannot be read is the loader's finding.
        if command is not None:
            refuse_other_files([arg], cwd, command)
        seen.setdefault(real_path(root), root)
    if not seen:
        where = ", ".join(display_path(root, cwd) for root in roots)
        raise UsageError(f"no {what} found in {where}")
    return sorted(seen.values())
