"""The result cache: what a per-file check said about a file, so that an unchanged file is
never read again (ruff and pytest keep one the same way).

It lives in ``.recctl_cache/`` at the project root (``cache-dir`` in the configuration), with
a ``.gitignore`` of its own. Each command and set of settings has one file, named by a digest
of everything that can change a verdict: recctl's version, the command, the schema's bytes,
the configuration and options that matter (checks, target scheme, allowlist, salt, size
limit, per-path ignores). An entry is keyed by the file's path relative to the root and
identified by its ``stat`` (size, mtime_ns, ctime_ns, inode: a file rewritten, touched,
renamed or replaced misses), or, where git says the file is clean, by its blob id: a fresh
clone in CI has new mtimes but the same blobs.

A cache is a hint, never trusted: an unreadable, truncated or malformed file, or an entry of
the wrong shape, is a miss, and the file is written anew, atomically (a temporary file and a
rename), so that concurrent runs leave one valid cache or the other. A cache that git tracks
came with the checkout, from anyone: it is ignored whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from recctl import __version__
from recctl.config import root_relative

CACHE_DIR = ".recctl_cache"
FORMAT_VERSION = 4
# Entries unused this many days are dropped when the cache is written (deleted files).
KEEP_DAYS = 30
GITIGNORE = "# Created by recctl: this folder is a cache, never commit it.\n*\n"

Result = TypeVar("Result")
Identity = list[int]
"""size, mtime_ns, ctime_ns, inode: a list, as it is stored (JSON has no tuples)."""


def settings_key(command: str, settings: dict[str, Any]) -> str:
    """16 hex of a digest of the version, the command and every setting given."""
    text = json.dumps(
        {"recctl": __version__, "format": FORMAT_VERSION, "command": command, **settings},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_digest(path: Path | None) -> str | None:
    """The digest of a file a verdict depends on (a schema); None when it cannot be read
    (the command itself then says why)."""
    if path is None:
        return None
    from recctl.store import LoadError, read_bytes

    try:
        return hashlib.sha256(read_bytes(path)).hexdigest()
    except LoadError:
        return None


@dataclass
class ResultCache:
    """One command's cache for one set of settings, in memory until ``save``."""

    path: Path | None
    """None: caching is off (``--no-cache``); every lookup misses, nothing is written."""
    root: Path
    entries: dict[str, list[Any]] = field(default_factory=dict)
    """Root-relative path -> [identity, blob id or None, payload, day last used]."""
    changed: bool = False
    blobs: dict[str, str] | None = None
    """Clean files' git blob ids, read once when a lookup by stat misses."""
    today: int = field(default_factory=lambda: _today())
    fresh: list[str] = field(default_factory=list)
    """Entries stored this run, whose blob ids are filled in when the cache is saved."""
    _git: GitBlobs | None = None

    @classmethod
    def open(cls, directory: Path | None, root: Path, command: str, key: str) -> ResultCache:
        if directory is None:
            return cls(None, root)
        # The project's root is part of the name: a cache copied from another project (or a
        # checkout elsewhere) is a cold run, never another tree's verdicts. No .json suffix:
        # tools that check every JSON file of a tree have no business here.
        project_key = hashlib.sha256(f"{key}\0{root}".encode("utf-8", "surrogateescape"))
        path = directory / f"{command}-{project_key.hexdigest()[:16]}"
        return cls(path, root, _load(path))

    def lookup(self, relative: str, identity: Identity) -> Any | None:
        """The payload stored for this file if it is unchanged: the same stat, or where the
        stat differs (a fresh clone), the same git blob of a clean file."""
        entry = self.entries.get(relative)
        if entry is None:
            return None
        if entry[0] != identity:
            blob = entry[1]
            if blob is None or self._blob(relative) != blob:
                return None
            entry[0] = identity  # the same content under a new stat
            self.changed = True
        if entry[3] != self.today:
            entry[3] = self.today
            self.changed = True
        return entry[2]

    def store(self, relative: str, identity: Identity, payload: Any) -> None:
        if self.path is None:
            return
        self.entries[relative] = [identity, None, payload, self.today]
        self.fresh.append(relative)
        self.changed = True

    def remember(self, key: str, identity: Identity, payload: Any) -> None:
        """Store an entry known by its stat alone: no git blob stands in for a key that
        names no single file (``renames.Settlements``)."""
        if self.path is None:
            return
        self.entries[key] = [identity, None, payload, self.today]
        self.changed = True

    def expect_misses(self) -> None:
        """Start asking git for blob ids now, so that its answer is ready, not waited for,
        when the judged files are stored."""
        if self.path is not None and self.blobs is None and self._git is None:
            self._git = GitBlobs(self.root)

    def _blob(self, relative: str) -> str | None:
        if self.blobs is None:
            self.blobs = (self._git or GitBlobs(self.root)).result()
            if self._committed(self.blobs):
                # A cache in git came with the checkout: anyone could have written it (a pull
                # request that says its own files are clean). Nothing in it is trusted, and
                # nothing is written there (it would change a tracked file).
                self.entries = {}
                self.fresh = []
                self.blobs = {}
                self.path = None
        return self.blobs.get(relative)

    def _committed(self, tracked: dict[str, str]) -> bool:
        """Whether git tracks a file of this cache's folder."""
        assert self.path is not None
        folder = root_relative(self.path.parent, self.root)
        if folder.startswith("/"):
            return False  # outside the project: no checkout brings it
        prefix = folder.rstrip("/") + "/"
        return any(name.startswith(prefix) for name in tracked)

    def save(self) -> None:
        """Write the cache if anything changed; a cache that cannot be written is no error
        (a read-only checkout still gets its answers)."""
        if self.path is None or not self.changed:
            return
        for relative in self.fresh:
            blob = self._blob(relative)
            if self.path is None:
                return  # the cache turned out to be committed: not written
            self.entries[relative][1] = blob
        oldest = self.today - KEEP_DAYS
        entries = {
            key: entry
            for key, entry in self.entries.items()
            if type(entry[3]) is int and entry[3] >= oldest
        }
        document = {"recctl-cache": FORMAT_VERSION, "entries": entries}
        try:
            import orjson

            content = orjson.dumps(document)
        except TypeError:  # a lone surrogate in a message: orjson refuses it
            content = json.dumps(document).encode()
        from recctl.store import WriteError, put

        try:
            _prepare(self.path.parent, self.root)
            put(self.path, content, sync=False)  # a cache lost in a crash is a cold run
        except (OSError, WriteError):
            pass


def _today() -> int:
    return int(time.time() // 86400)


def _valid(entry: Any) -> bool:
    # Only the shape here: a wrong identity or blob never compares equal (a miss), a wrong
    # payload is refused by the command's decoder, a wrong day is dropped on save.
    return type(entry) is list and len(entry) == 4


# A cache file holds a few hundred bytes per recording: a million recordings stay below this.
MAX_CACHE_SIZE = 512 * 1024 * 1024


def _load(path: Path) -> dict[str, list[Any]]:
    """The entries of a cache file; anything unreadable or malformed is left out (a FIFO, a
    device or a folder where the file should be is read as nothing, never waited on)."""
    import orjson

    from recctl.store import LoadError, read_bytes

    try:
        document = orjson.loads(read_bytes(path, MAX_CACHE_SIZE))
    except (LoadError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("recctl-cache") != FORMAT_VERSION:
        return {}
    entries = document.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {key: entry for key, entry in entries.items() if _valid(entry)}


def _prepare(directory: Path, root: Path) -> None:
    """The cache folder, with the ``.gitignore`` that keeps it out of commits (created, never
    written through whatever stands at that name: a symlink there is someone else's)."""
    from recctl.store import WriteError, create

    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not os.path.lexists(ignore):
        # Another run may make it first, or the folder be read-only: neither is an error.
        with contextlib.suppress(WriteError):
            create(ignore, GITIGNORE.encode(), root=root, sync=False)


class GitBlobs:
    """The blob ids of the files under a root that git tracks and that are clean in the work
    tree (root-relative), asked of git at once and read when needed; none outside a git work
    tree."""

    def __init__(self, root: Path) -> None:
        self._processes: list[subprocess.Popen[bytes]] = []
        for args in (
            ["ls-files", "--stage", "-z"],
            ["diff-files", "--name-only", "--relative", "-z"],
        ):
            try:
                process = subprocess.Popen(
                    ["git", *args],
                    cwd=root,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    stdin=subprocess.DEVNULL,
                )
            except OSError:
                break
            self._processes.append(process)

    def result(self) -> dict[str, str]:
        outputs = []
        for process in self._processes:
            try:
                output, _ = process.communicate(timeout=60)
            except subprocess.SubprocessError:
                process.kill()
                return {}
            if process.returncode != 0:
                return {}
            outputs.append(output)
        if len(outputs) != 2:
            return {}
        return _clean_blobs(*outputs)


def _clean_blobs(staged: bytes, modified: bytes) -> dict[str, str]:
    dirty = {name.decode("utf-8", "surrogateescape") for name in modified.split(b"\0") if name}
    blobs = {}
    for record in staged.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        parts = meta.split()
        if len(parts) != 3 or parts[2] != b"0":
            continue  # a conflict stage: not clean
        relative = name.decode("utf-8", "surrogateescape")
        if relative not in dirty:
            blobs[relative] = parts[1].decode()
    return blobs


def cached_map(
    paths: Sequence[str | Path],
    cache: ResultCache,
    encode: Callable[[Result], Any],
    decode: Callable[[str | Path, Any], Result | None],
    run: Callable[[list[str | Path]], Iterator[Result]],
    save: bool = True,
) -> Iterator[Result]:
    """Results in path order, where a cached one stands in for each file unchanged since it
    was judged, and ``run`` (over the cores) judges the others. Each file is ``stat``-ed
    before it is read, so a change made while it is judged misses next time. Results stream:
    only the hits' payloads (already in the cache) and the misses' identities are held.
    ``save``: the cache is written once the results are all out; False leaves it to the
    caller, who stores more (``renames.Settlements``) and writes it once."""
    if cache.path is None:
        yield from run(list(paths))
        return
    root = cache.root
    prefix = str(root).rstrip(os.sep) + os.sep
    hits: list[Any] = [None] * len(paths)
    misses: list[int] = []
    pending: dict[int, tuple[str, Identity]] = {}
    for index, path in enumerate(paths):
        text = path if type(path) is str else os.fspath(path)
        relative = text[len(prefix) :] if text.startswith(prefix) else root_relative(text, root)
        identity = file_identity(text)
        if identity is None:
            misses.append(index)  # the check says why it cannot be read
            continue
        payload = cache.lookup(relative, identity)
        if payload is not None:
            hits[index] = payload
        else:
            misses.append(index)
            pending[index] = (relative, identity)
    if misses:
        cache.expect_misses()
    judged = run([paths[index] for index in misses]) if misses else iter(())
    upcoming = iter(misses)
    next_miss = next(upcoming, -1)
    for index, path in enumerate(paths):
        if index == next_miss:
            next_miss = next(upcoming, -1)
            result = next(judged)
            if index in pending:
                relative, identity = pending.pop(index)
                cache.store(relative, identity, encode(result))
            yield result
        else:
            decoded = decode(path, hits[index])
            if decoded is None:  # a payload of the wrong shape: judged now, as a miss
                yield _judge_late(path, cache, encode, run)
            else:
                yield decoded
    if save:
        cache.save()


def _judge_late(
    path: str | Path,
    cache: ResultCache,
    encode: Callable[[Result], Any],
    run: Callable[[list[str | Path]], Iterator[Result]],
) -> Result:
    """One file whose cached payload would not decode, judged after all (rare: a damaged
    cache), and stored anew."""
    text = os.fspath(path)
    identity = file_identity(text)
    result = next(run([path]))
    if identity is not None:
        cache.store(root_relative(text, cache.root), identity, encode(result))
    return result


def file_identity(path: str) -> Identity | None:
    """What tells a file's version apart without reading it (None: it cannot be stat-ed),
    taken before the file is read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def cache_directory(configured: Path | None, root: Path, enabled: bool) -> Path | None:
    """Where the cache is (None when off): ``cache-dir``, else ``.recctl_cache`` at the root.
    ``RECCTL_NO_CACHE=1`` turns it off as ``--no-cache`` does.

    A cache recctl made is a plain folder inside the project: one reached through a symlink
    (a pull request can commit ``.recctl_cache -> ci/data`` or ``-> ..``), outside the root,
    or at the root itself was not made by recctl, and is neither read nor written."""
    if not enabled or os.environ.get("RECCTL_NO_CACHE"):
        return None
    directory = configured if configured is not None else root / CACHE_DIR
    return directory if confined(directory, root) else None


def confined(directory: Path, root: Path) -> bool:
    """Whether ``directory`` lies strictly inside ``root`` with no symlink on the way."""
    relative = os.path.relpath(directory, root)
    if relative == os.curdir or relative.startswith(os.pardir):
        return False
    step = root
    for part in Path(relative).parts:
        step = step / part
        if os.path.islink(step):
            return False
    return True
