"""The one loader and the one writer of recordings.

Reading is fast (orjson) with a standard-library fallback for what orjson refuses (NaN,
lone surrogates). orjson does not refuse integers beyond 64 bits: it silently turns them
into floats, so callers for whom that matters (writers, hashing, schema findings) use
``parse_exact``, which keeps every integer.

Writing reproduces the recorder's bytes exactly, ``json.dumps(data, indent=2) + "\\n"``,
through a temporary file in the same directory and ``os.replace``, so a file nobody changed
stays byte-identical and a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from recctl.locate import line_of_offset

# Big enough for any real recording (the largest in llama-stack's tree is under 2 MB), small
# enough that a stray dump or a log file named *.json is refused before it is read.
DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024

# Every temporary file recctl writes carries this prefix and suffix: discovery never takes
# it for a recording (it does not end in .json) and a later run can tell it is ours.
TEMP_PREFIX = ".recctl-"
TEMP_SUFFIX = ".tmp"


class LoadError(Exception):
    """A file that could not be read or parsed, with where the parser stopped."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class WriteError(Exception):
    """A write that recctl refused or the system failed; the original is untouched."""


@dataclass(frozen=True)
class Recording:
    """One recording file: where it is, its exact bytes, and its parsed JSON."""

    path: str | Path
    raw: bytes
    data: Any

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


def read_bytes(path: str | Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """Read a regular file, refusing directories, devices, FIFOs and oversized files.

    The size is checked on the open descriptor before anything is read, so a huge file costs
    one ``fstat``; O_NONBLOCK keeps a FIFO from hanging the open.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if os.path.islink(path):
            raise LoadError(f"dangling symlink to {os.readlink(path)}") from None
        raise LoadError("no such file") from None
    except IsADirectoryError:
        raise LoadError("is a directory, not a recording") from None
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LoadError("is a directory, not a recording")
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


def parse(raw: bytes) -> Any:
    """Parse JSON bytes fast; every failure becomes a LoadError with line and column.

    Integers beyond 64 bits come back as floats (orjson's choice): see ``parse_exact``.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return parse_exact(raw, exc)


def parse_exact(raw: bytes, fast_error: orjson.JSONDecodeError | None = None) -> Any:
    """Parse JSON bytes keeping every integer exact (the standard library's parser)."""
    if not raw.strip():
        raise LoadError("file is empty", 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = line_of_offset(raw, exc.start)
        raise LoadError(f"not UTF-8: byte 0x{raw[exc.start]:02x}", line, column) from None
    if text.startswith("\ufeff"):
        raise LoadError("starts with a byte order mark; recordings are plain UTF-8", 1, 1)
    import json  # the fallback path only

    try:
        # The standard library takes what orjson refuses: huge integers, NaN, lone surrogates.
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except ValueError as exc:  # an integer longer than int_max_str_digits
        raise LoadError(f"invalid JSON: {exc}".split(";")[0]) from None
    except RecursionError:
        if fast_error is None:
            raise LoadError("invalid JSON: nested too deeply") from None
        raise LoadError(
            f"invalid JSON: nested too deeply ({fast_error.msg})",
            fast_error.lineno,
            fast_error.colno,
        ) from None


def load(
    path: str | Path, max_size: int = DEFAULT_MAX_FILE_SIZE, *, exact: bool = False
) -> Recording:
    """Read and parse one recording; ``exact`` for callers that write or hash every integer.

    A path string is enough: whole-corpus commands skip making ten thousand Path objects."""
    raw = read_bytes(path, max_size)
    return Recording(path=path, raw=raw, data=parse_exact(raw) if exact else parse(raw))


def dumps(data: Any) -> bytes:
    """The recorder's exact serialization."""
    import json

    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` lies within ``root``, both with symlinks resolved."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _write_temp(directory: Path, name: str, content: bytes, mode: int) -> Path:
    """Write ``content`` to a new temporary file beside ``name``, synced to disk."""
    temp = directory / f"{TEMP_PREFIX}{name}.{os.urandom(4).hex()}{TEMP_SUFFIX}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    os.close(fd)
    return temp


def _check_root(path: Path, real: Path, root: Path | None) -> None:
    if root is not None and not inside(real, root):
        raise WriteError(f"{path} resolves to {real}, outside {root}; not writing there")


def write(path: Path, content: bytes, *, expected: bytes | None, root: Path | None = None) -> bool:
    """Atomically replace ``path`` with ``content``; return False when nothing had to change.

    ``expected`` is what the caller read: if the file now holds anything else, someone changed
    it in between and the write is refused. ``expected=None`` means the file must not exist.
    A symlink is written through only when its target stays inside ``root``.
    """
    target = Path(os.path.realpath(path))
    _check_root(path, target, root)
    try:
        current: bytes | None = target.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise WriteError(f"cannot read {path} before writing: {exc.strerror or exc}") from None
    if current != expected:
        if expected is None:
            raise WriteError(f"{path} already exists; not overwriting it")
        raise WriteError(f"{path} changed since it was read; not overwriting it")
    if current == content:
        return False
    mode = stat.S_IMODE(target.stat().st_mode) if current is not None else 0o644
    try:
        temp = _write_temp(target.parent, target.name, content, mode)
        try:
            os.replace(temp, target)
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    _fsync_directory(target.parent)
    return True


def create(path: Path, content: bytes, *, root: Path | None = None) -> None:
    """Atomically create ``path`` with ``content``; refuse if anything is already there.

    The content goes to a temporary file first, which is then hard-linked to its name: a link
    fails instead of replacing an existing file, so ``path`` never holds half a file and no
    race overwrites one.
    """
    directory = Path(os.path.realpath(path.parent))
    _check_root(path, directory / path.name, root)
    try:
        temp = _write_temp(directory, path.name, content, 0o644)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.link(temp, directory / path.name)
    except FileExistsError:
        raise WriteError(f"{path} already exists; not overwriting it") from None
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    _fsync_directory(directory)


def digest(raw: bytes) -> str:
    """What ``remove`` compares: a file's bytes, without keeping them."""
    return hashlib.sha256(raw).hexdigest()


def remove(path: Path, expected_digest: str) -> None:
    """Delete ``path`` only if it still holds what was read (see ``digest``)."""
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WriteError(f"cannot read {path} before removing it: {exc.strerror or exc}") from None
    if digest(current) != expected_digest:
        raise WriteError(f"{path} changed since it was read; not removing it")
    try:
        path.unlink()
    except OSError as exc:
        raise WriteError(f"cannot remove {path}: {exc.strerror or exc}") from None


def sweep_temp_files(paths: Iterable[Path]) -> list[Path]:
    """Remove the temporary files an earlier, killed run left beside these files."""
    removed = []
    for directory in {path.parent for path in paths}:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; some filesystems refuse, which costs only durability.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
