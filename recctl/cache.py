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
rename), so that concurrent runs leave one valid cache or the other.
"""

from __future__ import annotations

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
FORMAT_VERSION = 1
# Entries unused this many days are dropped when the cache is written (deleted files).
KEEP_DAYS = 30
GITIGNORE = "# Created by recctl: this folder is a cache, never commit it.\n*\n"

Result = TypeVar("Result")
Identity = tuple[int, int, int, int]


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
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def identity_of(stat: os.stat_result) -> Identity:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


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

    @classmethod
    def open(cls, directory: Path | None, root: Path, command: str, key: str) -> ResultCache:
        if directory is None:
            return cls(None, root)
        # No .json suffix: tools that check every JSON file of a tree have no business here.
        path = directory / f"{command}-{key}"
        return cls(path, root, _load(path))

    def lookup(self, relative: str, identity: Identity) -> Any | None:
        entry = self.entries.get(relative)
        if entry is None:
            return None
        if entry[0] == list(identity):
            self._touch(entry)
            return entry[2]
        blob = entry[1]
        if blob is not None and self._blob(relative) == blob:
            entry[0] = list(identity)  # the same content under a new stat (a fresh clone)
            self._touch(entry)
            self.changed = True
            return entry[2]
        return None

    def store(self, relative: str, identity: Identity, payload: Any) -> None:
        if self.path is None:
            return
        blob = self._blob(relative)
        self.entries[relative] = [list(identity), blob, payload, _today()]
        self.changed = True

    def _touch(self, entry: list[Any]) -> None:
        today = _today()
        if entry[3] != today:
            entry[3] = today
            self.changed = True

    def _blob(self, relative: str) -> str | None:
        if self.path is None:
            return None
        if self.blobs is None:
            self.blobs = git_blobs(self.root)
        return self.blobs.get(relative)

    def save(self) -> None:
        """Write the cache if anything changed; a cache that cannot be written is no error
        (a read-only checkout still gets its answers)."""
        if self.path is None or not self.changed:
            return
        oldest = _today() - KEEP_DAYS
        entries = {key: entry for key, entry in self.entries.items() if entry[3] >= oldest}
        document = {"recctl-cache": FORMAT_VERSION, "entries": entries}
        try:
            import orjson

            content = orjson.dumps(document)
        except TypeError:  # a lone surrogate in a message: orjson refuses it
            content = json.dumps(document).encode()
        from recctl.store import WriteError, put

        try:
            _prepare(self.path.parent)
            put(self.path, content)
        except (OSError, WriteError):
            pass


def _today() -> int:
    return int(time.time() // 86400)


def _valid(entry: Any) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == 4
        and isinstance(entry[0], list)
        and len(entry[0]) == 4
        and all(type(number) is int for number in entry[0])
        and (entry[1] is None or isinstance(entry[1], str))
        and type(entry[3]) is int
    )


def _load(path: Path) -> dict[str, list[Any]]:
    """The entries of a cache file; anything unreadable or malformed is left out."""
    try:
        import orjson

        document = orjson.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("recctl-cache") != FORMAT_VERSION:
        return {}
    entries = document.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {key: entry for key, entry in entries.items() if _valid(entry)}


def _prepare(directory: Path) -> None:
    """The cache folder, with the ``.gitignore`` that keeps it out of commits."""
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE)


def git_blobs(root: Path) -> dict[str, str]:
    """Blob ids of the files under ``root`` that git tracks and that are clean in the work
    tree (root-relative); empty outside a git work tree."""
    try:
        staged = subprocess.run(
            ["git", "ls-files", "--stage", "-z"],
            cwd=root,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        modified = subprocess.run(
            ["git", "diff-files", "--name-only", "--relative", "-z"],
            cwd=root,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
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
) -> Iterator[Result]:
    """Results in path order, where a cached one stands in for each file unchanged since it
    was judged, and ``run`` (over the cores) judges the others. Each file is ``stat``-ed
    before it is read, so a change made while it is judged misses next time. Results stream:
    only the hits' payloads (already in the cache) and the misses' identities are held."""
    hits: list[Any] = [None] * len(paths)
    misses: list[int] = []
    identities: dict[int, Identity] = {}
    root = cache.root
    for index, path in enumerate(paths):
        if cache.path is None:
            misses.append(index)
            continue
        try:
            identity = identity_of(os.stat(path))
        except OSError:
            misses.append(index)  # the check says why it cannot be read
            continue
        payload = cache.lookup(root_relative(path, root), identity)
        if payload is not None and decode(path, payload) is not None:
            hits[index] = payload
        else:
            misses.append(index)
            identities[index] = identity
    judged = run([paths[index] for index in misses]) if misses else iter(())
    missed = set(misses)
    for index, path in enumerate(paths):
        if index in missed:
            result = next(judged)
            if index in identities:
                cache.store(root_relative(path, root), identities[index], encode(result))
            yield result
        else:
            decoded = decode(path, hits[index])
            assert decoded is not None
            yield decoded
    cache.save()


def cache_directory(configured: Path | None, root: Path, enabled: bool) -> Path | None:
    """Where the cache is (None when off): ``cache-dir``, else ``.recctl_cache`` at the root.
    ``RECCTL_NO_CACHE=1`` turns it off as ``--no-cache`` does."""
    if not enabled or os.environ.get("RECCTL_NO_CACHE"):
        return None
    return configured if configured is not None else root / CACHE_DIR
