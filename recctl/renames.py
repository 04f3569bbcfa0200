"""Renames that repair outdated names (``rehash --write``, and ``fix``): each file to the name
its request hashes to under the target scheme, never overwriting, its ``rec-`` ids rewritten
to the new hash; a dry run says what a write would do, judged against the files there now.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from recctl import store
from recctl.cache import ResultCache, file_identity
from recctl.config import root_relative
from recctl.hashing import HashScheme
from recctl.hashing.names import RecordingName, parse_name
from recctl.interrupt import Interruption
from recctl.verdicts import Verdict, compute_hashes

Action = Literal[
    "renamed", "would rename", "completed", "would complete", "duplicate", "conflict", "failed"
]


@dataclass(frozen=True, slots=True)
class Rename:
    """What ``--write`` did (or would do) to one file."""

    verdict: Verdict
    action: Action
    new_path: str | None
    detail: str = ""

    def record(self) -> dict[str, Any]:
        return {
            **self.verdict.record(),
            "action": self.action,
            "new_path": self.new_path,
            "action_detail": self.detail,
        }


class Settlements:
    """Renames a dry run judged by reading two files, kept in a command's result cache.

    A file whose new name another file holds already is a duplicate, a conflict or a rename
    an earlier run left half done: only reading both files tells which (``repair_file``). The
    answer is kept under both paths, known by both files' stat, so that a run over the same
    files settles it without reading either; any change to either file is a miss."""

    _ACTIONS = frozenset({"would complete", "duplicate", "conflict", "failed"})

    def __init__(self, cache: ResultCache) -> None:
        self._cache = cache

    @classmethod
    def of(cls, cache: ResultCache | None) -> Settlements | None:
        """The settlements kept in ``cache``; None when there is no cache to keep them in
        (``--no-cache``), so that no file is stat-ed for nothing."""
        return cls(cache) if cache is not None and cache.path is not None else None

    def settled(
        self, verdict: Verdict, path: Path, new_path: Path, judge: Callable[[], Rename]
    ) -> Rename:
        """What ``judge`` (which reads both files) says, unless the cache knows already."""
        root = self._cache.root
        key = f"rename\0{root_relative(path, root)}\0{root_relative(new_path, root)}"
        # Both taken before either file is read: a change made meanwhile misses next time.
        old, new = file_identity(str(path)), file_identity(str(new_path))
        identity = old + new if old is not None and new is not None else None
        known = self._cache.lookup(key, identity) if identity is not None else None
        if (
            type(known) is list
            and len(known) == 2
            and known[0] in self._ACTIONS
            and isinstance(known[1], str)
        ):
            return Rename(verdict, known[0], str(new_path), known[1])
        rename = judge()
        if identity is not None and rename.action in self._ACTIONS:
            self._cache.remember(key, identity, [rename.action, rename.detail])
        return rename


def _rewrite_ids(value: Any, old: str, new: str) -> Any:
    """Every ``rec-<old>`` id in the response becomes ``rec-<new>``."""
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, dict):
        return {key: _rewrite_ids(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite_ids(item, old, new) for item in value]
    return value


def settle(
    verdicts: Sequence[Verdict],
    target: HashScheme,
    root: Path,
    settlements: Settlements | None = None,
) -> dict[str, Rename]:
    """What a rename would do to each renamable verdict, judged against the files there now
    (``repairs``, as a dry run): the renames ``word_of`` settles the verdicts by."""
    renamable = [v for v in verdicts if v.status == "outdated" and v.repair == "rename"]
    planned = repairs(
        renamable, target, root, write=False, include_mismatch=False, settlements=settlements
    )
    return {rename.verdict.path: rename for rename in planned}


def repaired_data(data: dict[str, Any], old_name: RecordingName, new_hash: str) -> dict[str, Any]:
    """The recording as the target recorder would have written it (``store.dumps`` writes
    it out)."""
    repaired = dict(data)
    if old_name.hash is not None and "response" in data:
        repaired["response"] = _rewrite_ids(
            data["response"], f"rec-{old_name.hash[:12]}", f"rec-{new_hash[:12]}"
        )
    return repaired


def _holds(existing: store.Recording, repaired: dict[str, Any]) -> bool:
    """Whether ``existing`` is, byte for byte, ``repaired`` as the recorder writes it. The
    recorder's text is made only when their data are equal: equal bytes parse to equal data,
    but for NaN, which equals nothing (the standard parser gives every NaN one object, which
    containers compare as equal; another parser need not). A dry run over a corpus judges
    hundreds of targets, most of which hold other data: the text (the standard library's
    pure-Python indenting encoder) is written out only for one that may be this file."""
    if existing.data != repaired and b"NaN" not in existing.raw:
        return False
    return existing.raw == store.dumps(repaired)


def repair_file(
    path: Path,
    verdict: Verdict,
    target: HashScheme,
    root: Path,
    write: bool,
    settlements: Settlements | None = None,
) -> Rename:
    """Rename one file to its target name (dry run unless ``write``), never overwriting.

    Another run renaming the same files at once is no failure: whichever creates the target
    first wins, and the other finds its work done. A dry run whose target name is taken
    reads both files, unless ``settlements`` knows the answer for these two files.
    """
    assert verdict.expected is not None
    new_path = path.with_name(verdict.expected)
    if not write:
        if not os.path.lexists(new_path):
            return Rename(verdict, "would rename", str(new_path))
        if settlements is not None:
            return settlements.settled(
                verdict, path, new_path, lambda: _repair(path, new_path, verdict, target, root)
            )
    return _repair(path, new_path, verdict, target, root, write)


def _repair(
    path: Path,
    new_path: Path,
    verdict: Verdict,
    target: HashScheme,
    root: Path,
    write: bool = False,
) -> Rename:
    """``repair_file``, past the cases that need no read."""
    assert verdict.expected is not None
    new_display = str(new_path)
    new_hash = parse_name(verdict.expected).hash
    assert new_hash is not None
    try:
        recording = store.load(path, exact=True)
    except store.LoadError as error:
        if write and not os.path.lexists(path) and os.path.lexists(new_path):
            return Rename(verdict, "completed", new_display, "another run renamed it")
        return Rename(verdict, "failed", new_display, error.message)
    # The verdict may be older than the file (a scan, a cache): the name must be the one the
    # request in it now hashes to, or the file would be renamed under someone else's hash.
    if compute_hashes(recording.data, [target]).hashes.get(target.name) != new_hash:
        return Rename(
            verdict, "failed", new_display, "the file changed since it was judged; run again"
        )
    repaired = repaired_data(recording.data, parse_name(path.name), new_hash)
    if not os.path.lexists(new_path):
        if not write:  # the target went while this file was read: a dry run writes nothing
            return Rename(verdict, "would rename", new_display)
        content = store.dumps(repaired)
        try:
            # A rename rewrites the file: one its owner protected is left alone, and the
            # new name keeps the old one's mode (a 0600 file stays 0600).
            mode = store.writable_mode(path)
            store.create(new_path, content, root=root, mode=mode)
        except store.WriteError as error:
            if not os.path.lexists(new_path):
                return Rename(verdict, "failed", new_display, str(error))
            # Another run created the target between the look and the link: judge it below.
        else:
            return _remove_renamed(path, recording, verdict, new_display, root, "renamed", "")
    try:
        existing = store.load(new_path, exact=True)
    except store.LoadError as error:
        return Rename(verdict, "conflict", new_display, f"{new_path.name}: {error.message}")
    if _holds(existing, repaired):
        # An earlier (or a concurrent) run wrote the new file and has not removed the old one.
        if not write:
            return Rename(verdict, "would complete", new_display, "the target is this file")
        detail = "the target already held this file"
        return _remove_renamed(path, recording, verdict, new_display, root, "completed", detail)
    if compute_hashes(existing.data, [target]).hashes.get(target.name) == new_hash:
        return Rename(verdict, "duplicate", new_display, "the target holds the same request")
    return Rename(verdict, "conflict", new_display, "the target holds another request")


def _remove_renamed(
    path: Path,
    recording: store.Recording,
    verdict: Verdict,
    new_display: str,
    root: Path,
    action: Action,
    detail: str,
) -> Rename:
    """The old name goes once the new one holds the file (already gone is fine)."""
    try:
        store.remove(path, store.digest(recording.raw), root=root)
    except store.WriteError as error:
        return Rename(verdict, "failed", new_display, str(error))
    return Rename(verdict, action, new_display, detail)


def repairs(
    verdicts: Sequence[Verdict],
    target: HashScheme,
    root: Path,
    write: bool,
    include_mismatch: bool,
    stop: Interruption | None = None,
    settlements: Settlements | None = None,
) -> Iterator[Rename]:
    """Repair every file that a rename can repair, one file at a time, until ``stop``.

    Two files of one request (recorded under two schemes) both want the same new name: the
    first takes it, the second is a duplicate, in a dry run as in a real one. A dry run
    asks ``settlements`` before reading two files whose answer a run kept.
    """
    claimed: dict[Path, str] = {}
    for verdict in verdicts:
        if stop is not None and stop.requested:
            return
        renamable = verdict.status == "outdated" and verdict.repair == "rename"
        if include_mismatch and verdict.status == "mismatch" and verdict.expected:
            renamable = True
        if not renamable or verdict.expected is None:
            continue
        path = Path(verdict.path)  # made only for the files a rename repairs
        new_path = path.with_name(verdict.expected)
        if new_path in claimed:
            yield Rename(
                verdict,
                "duplicate",
                str(new_path),
                f"{os.path.basename(claimed[new_path])} takes that name first",
            )
            continue
        rename = repair_file(path, verdict, target, root, write, settlements)
        if rename.action in ("renamed", "would rename", "completed", "would complete"):
            claimed[new_path] = verdict.path
        yield rename
