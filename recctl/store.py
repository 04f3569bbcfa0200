"""The one loader and the one writer of recordings.

Reading is fast (orjson) with a standard-library fallback for what orjson refuses (NaN,
lone surrogates). orjson does not refuse integers beyond 64 bits: it silently turns them
into floats, so callers for whom that matters (writers, hashing, schema findings) use
``parse_exact``, which keeps every integer.

Writing reproduces the recorder's bytes exactly, ``json.dumps(data, indent=2) + "\\n"``,
through a temporary file in the same directory and ``os.replace``, so a file nobody changed
stays byte-identical and a crash never leaves half a file. Each write holds an advisory lock
on the file and compares it with what was read twice: when the lock is taken and just before
the replace.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, the comparisons remain
    fcntl = None  # type: ignore[assignment]

from recctl.files import DEFAULT_MAX_FILE_SIZE, NO_FOLLOW, LoadError, inside
from recctl.files import read_bytes as _read_bytes
from recctl.locate import line_of_offset
from recctl.project import project_root_of

__all__ = ["DEFAULT_MAX_FILE_SIZE", "LoadError", "inside"]

# Every temporary file recctl writes carries this prefix and suffix: discovery never takes
# it for a recording (it does not end in .json) and a later run can tell it is ours.
TEMP_PREFIX = ".recctl-"
TEMP_SUFFIX = ".tmp"


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
    """A file of a project, bounded (see ``recctl.files.read_bytes``); a symlink is followed
    only while its target stays inside the project the link lies in."""
    return _read_bytes(path, max_size, project_root_of)


def read_stream(stream: BinaryIO, max_size: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """What a pipe holds (standard input), at most ``max_size`` bytes: ``hash - < /dev/zero``
    ends with an error, not an exhausted memory."""
    data = stream.read(max_size + 1)
    if len(data) > max_size:
        raise LoadError(
            f"over the {max_size / 2**20:.0f} MiB limit (max-file-size in [tool.recctl])"
        )
    return data


def read_input(path: str | Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """A file the user named (a schema, a list of node ids), through the bounded reader."""
    if not os.path.lexists(path):
        raise LoadError("no such file")
    return read_bytes(path, max_size)


def read_text(path: str | Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """A UTF-8 text file the user named, through the bounded reader."""
    raw = read_input(path, max_size)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = line_of_offset(raw, exc.start)
        raise LoadError(f"not UTF-8: byte 0x{raw[exc.start]:02x}", line, column) from None


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


def _temp_name(name: str) -> str:
    # The writer's pid is in the name: a sweep removes only what a dead writer left.
    return f"{TEMP_PREFIX}{name}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}"


def _write_temp(directory: Path, name: str, content: bytes, mode: int, sync: bool = True) -> Path:
    """Write ``content`` to a new temporary file beside ``name``, synced to disk (unless
    ``sync`` is off: a file nothing is lost without)."""
    temp = directory / _temp_name(name)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    os.close(fd)
    return temp


def writable_mode(path: Path, info: os.stat_result | None = None) -> int:
    """The permission bits of a file recctl may replace or remove; WriteError for one its
    owner protected (no write bit) or that belongs to another user: replacing it through a
    rename in a writable folder would succeed, and is not recctl's to do. Root is held to
    the same rule (it ignores permissions, so it must read them)."""
    try:
        info = info or os.stat(path)
    except OSError as exc:
        raise WriteError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not info.st_mode & stat.S_IWUSR:
        raise WriteError(f"{path} is read-only; left as it is")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise WriteError(f"{path} belongs to another user; left as it is")
    return stat.S_IMODE(info.st_mode)


def _check_root(path: Path, real: Path, root: Path | None) -> None:
    if root is not None and not inside(real, root):
        raise WriteError(
            f"{path} resolves to {real}, outside the project {root}; not writing there"
        )


# Called after the temporary file is written and before the last comparison: tests set it to
# change the file in that window, which must make the write refuse.
before_replace: Callable[[Path], None] | None = None


# How often the lock is taken again when another writer replaced the file meanwhile.
LOCK_ATTEMPTS = 100


@contextlib.contextmanager
def _locked(target: Path, what: str) -> Iterator[bytes | None]:
    """Hold an advisory lock on ``target`` and yield its current bytes (None: no file).

    Two recctl writers serialize on it; an editor that takes no lock is caught by the second
    comparison the writers make just before they replace the file.
    """
    for _ in range(LOCK_ATTEMPTS):
        try:
            flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(target, flags | NO_FOLLOW)
        except FileNotFoundError:
            yield None
            return
        except OSError as exc:
            raise WriteError(f"cannot read {target} before {what}: {exc.strerror or exc}") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise WriteError(f"{target} is no longer a regular file; not {what}")
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            # Another writer may have replaced the file while this one waited for the lock.
            try:
                same = os.stat(target).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                try:
                    current = _read_all(fd)
                except OSError as exc:
                    raise WriteError(
                        f"cannot read {target} before {what}: {exc.strerror or exc}"
                    ) from None
                yield current
                return
        finally:
            os.close(fd)
    raise WriteError(f"{target} kept being replaced while recctl waited to lock it; not {what}")


def _read_all(fd: int) -> bytes:
    parts = []
    while block := os.read(fd, 1 << 20):
        parts.append(block)
    return b"".join(parts)


def _current(target: Path) -> bytes | None:
    """What ``target`` holds now (None: it is gone), read without waiting on what may have
    been put in its place."""
    try:
        return read_bytes(target, 2**62)
    except LoadError as error:
        if not os.path.lexists(target):
            return None
        raise WriteError(f"{target} cannot be read again: {error.message}") from None


def write(path: Path, content: bytes, *, expected: bytes | None, root: Path | None = None) -> bool:
    """Atomically replace ``path`` with ``content``; return False when nothing had to change.

    ``expected`` is what the caller read: if the file holds anything else, when the lock is
    taken or just before the replace, someone changed it and the write is refused.
    ``expected=None`` means the file must not exist. A symlink is written through only when
    its target stays inside ``root``.
    """
    if expected is None:
        create(path, content, root=root)
        return True
    target = Path(os.path.realpath(path))
    _check_root(path, target, root)
    with _locked(target, "writing") as current:
        if current is None:
            raise WriteError(f"{path} was removed since it was read; not writing it")
        if current == content:
            return False  # already right: nothing to do, whoever made it so
        if current != expected:
            raise WriteError(f"{path} changed since it was read; not overwriting it")
        mode = writable_mode(path, target.stat())
        try:
            temp = _write_temp(target.parent, target.name, content, mode)
        except OSError as exc:
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
        try:
            if before_replace is not None:
                before_replace(target)
            if _current(target) != expected:
                raise WriteError(f"{path} changed while it was written; not overwriting it")
            os.replace(temp, target)
        except OSError as exc:
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()
    _fsync_directory(target.parent)
    return True


def create(
    path: Path,
    content: bytes,
    *,
    root: Path | None = None,
    mode: int | None = None,
    sync: bool = True,
) -> None:
    """Atomically create ``path`` with ``content``; refuse if anything is already there.
    ``mode`` (a renamed file's) is kept exactly; without one a new file is 0644 less the
    umask.

    The content goes to a temporary file first, which is then hard-linked to its name: a link
    fails instead of replacing an existing file, so ``path`` never holds half a file and no
    race overwrites one.
    """
    directory = Path(os.path.realpath(path.parent))
    _check_root(path, directory / path.name, root)
    try:
        temp = _write_temp(directory, path.name, content, 0o644 if mode is None else mode, sync)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        if mode is not None:
            os.chmod(temp, mode)  # a renamed file keeps its mode exactly, whatever the umask
        os.link(temp, directory / path.name)
    except FileExistsError:
        raise WriteError(f"{path} already exists; not overwriting it") from None
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    if sync:
        _fsync_directory(directory)


def put(path: Path, content: bytes, sync: bool = True) -> None:
    """Atomically replace ``path`` with ``content``, whatever it held: for the files recctl
    owns (a usage log, a cache), never a recording. Readers see the old file or the new one,
    never half of either. ``sync=False`` skips the wait for the disk, for a file whose loss
    in a crash costs nothing (a cache, which a reader that finds it damaged ignores)."""
    directory = Path(os.path.realpath(path.parent))
    try:
        temp = _write_temp(directory, path.name, content, 0o644, sync)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.replace(temp, directory / path.name)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None


def digest(raw: bytes) -> str:
    """What ``remove`` compares: a file's bytes, without keeping them."""
    return hashlib.sha256(raw).hexdigest()


def remove(path: Path, expected_digest: str, *, root: Path | None = None) -> None:
    """Delete ``path`` only if it still holds what was read (see ``digest``), and only where
    its directory, symlinks resolved, stays inside ``root``."""
    real = Path(os.path.realpath(path.parent)) / path.name
    _check_root(path, real, root)
    with _locked(real, "removing it") as current:
        if current is None:
            return
        if digest(current) != expected_digest:
            raise WriteError(f"{path} changed since it was read; not removing it")
        writable_mode(path, os.lstat(real))
        try:
            os.unlink(real)
        except OSError as exc:
            raise WriteError(f"cannot remove {path}: {exc.strerror or exc}") from None


# A temporary file whose writer cannot be told (an older name) counts as abandoned after this.
ABANDONED_AFTER = 300.0


def _abandoned(entry: os.DirEntry[str], now: float) -> bool:
    parts = entry.name[len(TEMP_PREFIX) : -len(TEMP_SUFFIX)].rsplit(".", 2)
    try:
        age = now - entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    if len(parts) == 3 and parts[1].isdigit():
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            return True
        except OSError:
            pass  # alive, under another user
        # A live pid may be a reused one: after an hour nobody is still writing one file.
        return age > 12 * ABANDONED_AFTER
    return age > ABANDONED_AFTER


def sweep_temp_files(paths: Iterable[str | Path]) -> list[Path]:
    """Remove the temporary files that killed runs left beside these files: only those whose
    writer is gone, never another live run's."""
    import time

    removed = []
    now = time.time()
    for directory in {os.path.dirname(os.fspath(path)) or "." for path in paths}:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if not (entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX)):
                continue
            if _abandoned(entry, now):
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
