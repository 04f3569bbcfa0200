"""The project a command works on: its root and its configuration, found from the paths the
user names, never from where the shell stands.

As ruff, black and pre-commit do, the root is searched upwards from each path: the nearest
directory holding a ``pyproject.toml`` with ``[tool.recctl]``, else the top of the git work
tree, else the nearest ``pyproject.toml``, else the path's own directory. ``--root`` overrides
the search. Only a command given no path at all starts from the current directory.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from recctl.config import Config, config_from_table, load_config, recctl_table
from recctl.errors import UsageError

FoundBy = Literal["tool.recctl", "git", "pyproject", "path", "option"]

HOW: dict[FoundBy, str] = {
    "tool.recctl": "pyproject.toml with [tool.recctl]",
    "git": "top of the git work tree",
    "pyproject": "nearest pyproject.toml",
    "path": "no pyproject.toml or git above the path",
    "option": "--root",
}


@dataclass(frozen=True)
class Project:
    """Where a run's recordings belong: test ids, configured paths and writes are judged
    against ``root``."""

    root: Path
    """Absolute, with symlinks resolved."""
    config: Config = field(default_factory=Config)
    found_by: FoundBy = "path"

    def relative(self, path: str | Path) -> str:
        """``path`` relative to the root, as messages that must not depend on the current
        directory name it (a path outside the root stays absolute)."""
        # The root is resolved: so is the path's directory (it may be reached through a
        # symlinked ancestor), not the file itself.
        absolute = os.path.abspath(path)
        text = os.path.join(real_directory(os.path.dirname(absolute)), os.path.basename(absolute))
        prefix = str(self.root).rstrip(os.sep) + os.sep
        return text[len(prefix) :] if text.startswith(prefix) else text

    def key(self, path: str | Path) -> str:
        """The file's identity within the project: its ``real_path`` relative to the root,
        ``/``-separated, as usage logs name files (absolute when it lies outside)."""
        real = real_path(path)
        prefix = str(self.root).rstrip(os.sep) + os.sep
        relative = real[len(prefix) :] if real.startswith(prefix) else real
        return relative if os.sep == "/" else relative.replace(os.sep, "/")


@functools.lru_cache(maxsize=4096)
def real_directory(directory: str) -> str:
    """realpath, once per directory: a corpus has thousands of files in a few folders."""
    return os.path.realpath(directory)


@functools.lru_cache(maxsize=4096)
def links_in(directory: str) -> frozenset[str]:
    """The names in a directory that are symlinks: one listing for all its files, not a
    stat each (a usage log names ten thousand files of a few folders)."""
    try:
        with os.scandir(directory) as entries:
            return frozenset(entry.name for entry in entries if entry.is_symlink())
    except OSError:
        return frozenset()


def forget_file_system() -> None:
    """Drop what is remembered of directories (real paths, symlinks): a process that runs
    several commands (a test suite, a library user) sees the tree as it is now."""
    real_directory.cache_clear()
    links_in.cache_clear()


def real_path(path: str | Path) -> str:
    """The one identity of a file, whatever path names it: absolute, every symlink resolved
    (of its directories, once per directory, and of the file itself). Commands that pair,
    compare or delete files compare these, so that a folder named twice (once through a
    symlink) never makes a file its own duplicate."""
    return real_path_of(*os.path.split(os.path.abspath(path)))


def real_path_of(directory: str, name: str) -> str:
    """``real_path`` of the file ``name`` in ``directory``, an absolute, normalized path (a
    folder walk's): no normalizing again, file after file."""
    resolved_directory = real_directory(directory)
    resolved = os.path.join(resolved_directory, name)
    return os.path.realpath(resolved) if name in links_in(resolved_directory) else resolved


def _ancestors(start: str) -> Iterator[str]:
    directory = start
    while True:
        yield directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def _search(start: str) -> Project:
    nearest: str | None = None
    for directory in _ancestors(start):
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject):
            nearest = nearest or directory
            table = recctl_table(Path(pyproject))
            if table is not None:
                config = config_from_table(Path(pyproject), table)
                return Project(Path(os.path.realpath(directory)), config, "tool.recctl")
        if os.path.exists(os.path.join(directory, ".git")):
            # A configuration outside the repository never governs it: the search stops here.
            return Project(Path(os.path.realpath(directory)), load_config(Path(directory)), "git")
    if nearest is not None:
        return Project(Path(os.path.realpath(nearest)), Config(), "pyproject")
    return Project(Path(os.path.realpath(start)), Config(), "path")


@functools.lru_cache(maxsize=256)
def project_root_of(directory: str) -> Path:
    """The root of the project ``directory`` belongs to, as the search finds it."""
    return _search(directory).root


def missing_path(path: str) -> UsageError:
    return UsageError(f"{path}: no such file or directory")


def project_for(path: str, cwd: Path) -> Project:
    """The project of one path the user named (it must exist)."""
    absolute = os.path.abspath(os.path.join(cwd, path))
    if not os.path.lexists(absolute):
        raise missing_path(path)
    start = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
    return _search(start)


def find_projects(
    paths: Sequence[str], cwd: Path, root: Path | None = None
) -> list[tuple[Project, list[str]]]:
    """The project of every path in ``paths`` (of ``cwd`` when there are none), with the
    paths that belong to each, in the order first named.

    Each path must exist: a misspelt one is a usage error, not an empty run.
    """
    if root is not None:
        for path in paths:
            if not os.path.lexists(os.path.join(cwd, path)):
                raise missing_path(path)
        directory = Path(os.path.abspath(os.path.join(cwd, root)))
        if not directory.is_dir():
            raise UsageError(f"--root {root}: not a directory")
        project = Project(Path(os.path.realpath(directory)), load_config(directory), "option")
        return [(project, list(paths))]
    if not paths:
        return [(_search(os.path.abspath(cwd)), [])]
    groups: dict[Path, tuple[Project, list[str]]] = {}
    for path in paths:
        project = project_for(path, cwd)
        groups.setdefault(project.root, (project, []))[1].append(path)
    return list(groups.values())


def find_project(paths: Sequence[str], cwd: Path, root: Path | None = None) -> Project:
    """The one project of every path in ``paths`` (of ``cwd`` when there are none).

    For commands that judge files together (a rename's target, a duplicate, a test's
    recordings): paths of two projects are an error, as their settings cannot both hold.
    """
    groups = find_projects(paths, cwd, root)
    if len(groups) > 1:
        (one, first), (other, second) = groups[:2]
        raise UsageError(
            f"{first[0]} and {second[0]} belong to different projects ({one.root} and "
            f"{other.root}): run recctl once per project, or pass --root"
        )
    return groups[0][0]
