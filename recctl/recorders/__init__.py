"""The registry of recorders: the tools whose files recctl reads.

Adding one is a module here that defines a Recorder, and one line below. A file is given to
the recorder whose folder it lies in and whose names it takes; a file named directly, in no
such folder, to the one its content says (a JSON object is a llama-stack recording unless it
holds VCR.py's ``interactions``; anything else is read as a cassette).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from recctl.files import LoadError
from recctl.recorders import llama_stack, vcr
from recctl.recorders.base import Fixture, Interaction, NotARecording, Recorder

RECORDERS: tuple[Recorder, ...] = (llama_stack.RECORDER, vcr.RECORDER)
FOLDERS: dict[str, Recorder] = {recorder.folder: recorder for recorder in RECORDERS}


def folder_of(folders: Sequence[str]) -> Recorder | None:
    """The recorder whose folder is the innermost of ``folders`` (directory names, outermost
    first) to be one, else None."""
    for folder in reversed(folders):
        recorder = FOLDERS.get(folder)
        if recorder is not None:
            return recorder
    return None


def owner_of(parts: Sequence[str]) -> Recorder | None:
    """The recorder of a file whose path is ``parts``: the one whose folder it lies in (the
    innermost), when it takes files of that name, else None."""
    recorder = folder_of(parts[:-1])
    return recorder if recorder is not None and recorder.owns_name(parts[-1]) else None


def in_folder(path: str) -> Recorder | None:
    """The recorder whose folder ``path`` lies in (the innermost one) and whose names it
    takes, else None."""
    directory, separator, name = path.rpartition(os.sep)
    if name in ("", ".", "..") or (os.altsep and os.altsep in path):
        return owner_of(os.path.abspath(path).split(os.sep))
    # Every file of a folder has the folder's answer: asked once per folder (a run asks it
    # of every file, and an absolute path costs more than the rest). The root folder is
    # the separator.
    recorder = _folder_recorder(directory or separator)
    return recorder if recorder is not None and recorder.owns_name(name) else None


def _folder_recorder(directory: str) -> Recorder | None:
    # Only a relative folder needs the current one (a system call), and is not kept: the
    # current folder can change between calls.
    if not os.path.isabs(directory):
        return _absolute_folder_recorder(os.path.join(os.getcwd(), directory))
    return _absolute_folder_recorder(directory)


@functools.lru_cache(maxsize=1024)
def _absolute_folder_recorder(directory: str) -> Recorder | None:
    return folder_of(os.path.abspath(directory).split(os.sep))


def named(path: str) -> Recorder | None:
    """The recorder a path names, by its folder, else by its name alone (no file is read)."""
    recorder = in_folder(path)
    if recorder is not None:
        return recorder
    return _by_name(os.path.basename(path))


def _by_name(name: str) -> Recorder | None:
    return next((recorder for recorder in RECORDERS if recorder.owns_name(name)), None)


def count_phrase(paths: Iterable[str]) -> str:
    """How many files of each kind: "3 recordings", "2 recordings and 40 cassettes"."""
    counts: dict[str, int] = {}
    folders: dict[str, Recorder | None] = {}
    for path in paths:
        directory, separator, name = path.rpartition(os.sep)
        if name in ("", ".", "..") or (os.altsep and os.altsep in path):
            recorder = named(path)
        else:
            # ``named``, with each folder's answer asked once for the whole count.
            folder = directory or separator
            if folder not in folders:
                folders[folder] = _folder_recorder(folder)
            by_folder = folders[folder]
            if by_folder is None or not by_folder.owns_name(name):
                by_folder = _by_name(name)
            recorder = by_folder
        noun = recorder.noun if recorder is not None else "file"
        counts[noun] = counts.get(noun, 0) + 1
    if not counts:
        return "0 recordings"
    order = [recorder.noun for recorder in RECORDERS] + ["file"]
    parts = [f"{n} {noun}{'s' * (n != 1)}" for noun in order if (n := counts.get(noun, 0))]
    return " and ".join(parts)


def recorder_for(path: str | Path, raw: bytes) -> Recorder:
    """Which recorder reads this file: by its folder and name, else by its content."""
    text = os.fspath(path)
    by_folder = in_folder(text)
    if by_folder is not None:
        return by_folder
    head = raw[:4096].lstrip()
    if head[:1] == b"{":
        # VCR.py's JSON serializer writes {"interactions": ...}; llama-stack never does.
        return vcr.RECORDER if b'"interactions"' in head else llama_stack.RECORDER
    if text.endswith(".json"):
        return llama_stack.RECORDER
    return vcr.RECORDER


def load(path: str | Path, max_size: int, exact: bool = False) -> Fixture:
    """Read and parse one file with the recorder it belongs to; LoadError when it cannot
    be read, NotARecording when no recorder writes files like it."""
    from recctl import store

    raw = store.read_bytes(path, max_size)
    return recorder_for(path, raw).load(path, raw, max_size, exact)


__all__ = [
    "RECORDERS",
    "Fixture",
    "Interaction",
    "LoadError",
    "NotARecording",
    "Recorder",
    "count_phrase",
    "folder_of",
    "in_folder",
    "load",
    "named",
    "owner_of",
    "recorder_for",
]
