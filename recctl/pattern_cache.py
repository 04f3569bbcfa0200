"""Compiled hyperscan databases kept between runs, as Python keeps bytecode.

Compiling the secret scan's patterns costs hyperscan about half a second (a few hundred
patterns, ~1 ms each), more than scanning a thousand recordings; loading the compiled
database costs well under a millisecond. It is kept in the user's cache folder
(``$XDG_CACHE_HOME/recctl``, else ``~/.cache/recctl``), named by the digest of what it was
compiled from, never in a project: a file that a pull request committed could hold any
bytes, and hyperscan does not check a database's code. A folder or file that another user
owns or can write to is not used; a file whose checksum fails or that hyperscan refuses is
compiled again and replaced. Nothing here ever fails a run: without a usable folder, the
patterns are compiled as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

MAGIC = b"recctl-hsdb-1\n"
# A compiled database of the scan's patterns is under a megabyte.
MAX_SIZE = 64 * 1024 * 1024


def cache_folder() -> Path | None:
    """Where compiled databases are kept, or None when the user has no cache folder."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.environ.get("HOME")
        if not home:
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "recctl"


def key_of(hyperscan: Any, patterns: Sequence[bytes], flags: int, mode: int) -> str:
    """The digest of everything a database is compiled from."""
    digest = hashlib.sha256()
    for part in (
        str(getattr(hyperscan, "__version__", "")).encode(),
        platform.machine().encode(),
        str(flags).encode(),
        str(mode).encode(),
        *patterns,
    ):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _owned(st: os.stat_result) -> bool:
    """Whether only this user can change what ``st`` describes."""
    if not hasattr(os, "getuid"):
        return True  # no owners to compare (Windows): the folder is the user's profile
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _usable_folder(folder: Path, create: bool) -> bool:
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(folder, follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and _owned(st)


def load_bytes(path: Path) -> bytes | None:
    """The database bytes kept at ``path``, when they are this user's and whole."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _owned(st) or st.st_size > MAX_SIZE:
            return None
        with os.fdopen(fd, "rb", closefd=False) as file:
            # Sized by the file, not the limit: a read of the limit allocates all of it.
            data = file.read(st.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    head = len(MAGIC) + 32
    if not data.startswith(MAGIC) or len(data) <= head:
        return None
    body = data[head:]
    if hashlib.sha256(body).digest() != data[len(MAGIC) : head]:
        return None
    return body


def store(path: Path, body: bytes) -> None:
    """Keep ``body`` at ``path``, atomically (a reader sees the old file or the new one)."""
    import tempfile  # only to keep a database: a run that loads one does without

    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(MAGIC + hashlib.sha256(body).digest() + body)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _path(hyperscan: Any, patterns: Sequence[bytes], flags: int) -> Path | None:
    """Where the database of ``patterns`` is kept (None: nowhere usable)."""
    folder = cache_folder()
    if folder is None or not _usable_folder(folder, create=True):
        return None
    key = key_of(hyperscan, patterns, flags, hyperscan.HS_MODE_BLOCK)
    return folder / f"hyperscan-{key[:32]}.db"


def load(hyperscan: Any, patterns: Sequence[bytes], flags: int) -> Any:
    """The kept database of ``patterns``, when it is there and sound, else None."""
    path = _path(hyperscan, patterns, flags)
    return _load_from(hyperscan, path) if path is not None else None


def database(
    hyperscan: Any, patterns: Sequence[bytes], flags: int, compile: Callable[[], Any]
) -> Any:
    """The compiled database of ``patterns``: loaded from the user's cache folder when it
    is there and sound, else ``compile()``-d and kept there for the next run."""
    path = _path(hyperscan, patterns, flags)
    kept = _load_from(hyperscan, path) if path is not None else None
    if kept is not None:
        return kept
    compiled = compile()
    if path is not None:
        _keep(hyperscan, compiled, path)
    return compiled


def _load_from(hyperscan: Any, path: Path) -> Any:
    body = load_bytes(path)
    if body is None:
        return None
    try:
        loaded = hyperscan.loadb(body, hyperscan.HS_MODE_BLOCK)
        # A database compiled here has its scratch space; a loaded one is given it.
        loaded.scratch = hyperscan.Scratch(loaded)
    except hyperscan.error:  # another version's: compiled again
        return None
    return loaded


def _keep(hyperscan: Any, database: Any, path: Path) -> None:
    try:
        serialized = hyperscan.dumpb(database)
    except hyperscan.error:  # a database that cannot be kept is still used
        return
    store(path, serialized)
