"""Bounded reading of the files users and pull requests hand recctl, and the one error a
read becomes. Nothing here knows about projects or recorders: the configuration reads its
``pyproject.toml`` through it before any project exists.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

# Big enough for any real recording (the largest in llama-stack's tree is under 2 MB), small
# enough that a stray dump or a log file named *.json is refused before it is read.
DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024


class LoadError(Exception):
    """A file that could not be read or parsed, with where the parser stopped."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def read_bytes(
    path: str | Path,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
    confine: Callable[[str], Path] | None = None,
) -> bytes:
    """Read a regular file, refusing directories, devices, FIFOs and oversized files.

    The size is checked on the open descriptor before anything is read, so a huge file costs
    one ``fstat``; O_NONBLOCK keeps a FIFO from hanging the open. A file that is a symlink is
    read only when its target stays inside ``confine(the link's directory)`` (the project the
    link is in; without ``confine``, the link's own directory): a recording in a pull request
    can be a link to ``/proc/self/environ`` or a credentials file.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | NO_FOLLOW)
    except OSError as exc:
        if exc.errno != errno.ELOOP or not os.path.islink(path):
            fd = _open_error(path, exc)
        else:
            _check_link(path, confine)
            try:
                fd = os.open(path, flags)
            except OSError as again:
                fd = _open_error(path, again)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _directory_error(path)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError("is not a regular file")
        if info.st_size > max_size:
            raise LoadError(
                f"file is {info.st_size / 2**20:.1f} MiB, over the "
                f"{max_size / 2**20:.0f} MiB limit (max-file-size in [tool.recctl])"
            )
        parts: list[bytes] = []
        total = 0
        while True:
            wanted = max(info.st_size + 1 - total, 65536)
            block = os.read(fd, wanted)
            parts.append(block)
            total += len(block)
            if total > max_size:
                raise LoadError(f"file grew past the {max_size / 2**20:.0f} MiB limit while read")
            if len(block) < wanted:
                break  # a short read of a regular file is its end: no extra read(2) for EOF
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_error(path: str | Path, exc: OSError) -> int:
    """Raise the LoadError that says why ``path`` could not be opened."""
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            raise LoadError(f"dangling symlink to {os.readlink(path)}") from None
        raise LoadError("no such file: removed since it was listed") from None
    if isinstance(exc, IsADirectoryError):
        raise _directory_error(path) from None
    if exc.errno == errno.ELOOP:
        raise LoadError("symlink loop") from None
    raise LoadError(f"cannot read: {exc.strerror or exc}") from None


def _check_link(path: str | Path, confine: Callable[[str], Path] | None) -> None:
    """Refuse a symlink whose target leaves the project the link lies in."""
    directory = os.path.dirname(os.path.abspath(path))
    root = confine(directory) if confine is not None else Path(directory)
    target = os.path.realpath(path)
    if not inside(Path(target), root):
        raise LoadError(f"symlink to {target}, outside the project {root}; not read")


def _directory_error(path: str | Path) -> LoadError:
    # Discovery hands over the directories it could not list, so that they are reported.
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        return LoadError(f"cannot read directory: {exc.strerror or exc}")
    return LoadError("is a directory, not a recording")


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` lies within ``root``, both with symlinks resolved (a symlink loop
    resolves to where it loops, never raises)."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)
