"""``recctl normalize``: the recorder's response normalization, applied to existing files.

A VCR.py cassette is normalized by dropping the volatile headers the project names in
``[tool.recctl] normalize-headers`` (``date``, ``cf-ray``…), so that a re-record stops
churning them; a request header is kept when the test matches on headers.

When llama-stack records (and what its ``normalize_recordings.py`` does to old files): in
every typed response object, ``id`` becomes ``rec-<hash[:12]>`` and ``created`` becomes 0,
except for model objects (``object: "model"``), which keep both; Ollama's ``created_at``
becomes the epoch and its non-null ``*_duration`` fields 0. Plain dict bodies (raw HTTP
calls, Gemini) are left as recorded, as the recorder leaves them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from recctl import store
from recctl.hashing.names import parse_name
from recctl.interrupt import Interruption
from recctl.locate import escape_segment

EPOCH = "1970-01-01T00:00:00.000000Z"


@dataclass(frozen=True)
class Change:
    """One field that normalization changes."""

    pointer: str
    field: str
    old: Any
    new: Any


def _typed(body: Any) -> Iterator[tuple[int | None, dict[str, Any]]]:
    """(index in a streamed body or None, typed object) for each typed object of a body."""
    items = body if type(body) is list else [body]
    for index, item in enumerate(items):
        if type(item) is dict and type(item.get("__data__")) is dict:
            yield (index if items is body else None), item


def _normalized_names(data: dict[str, Any], ollama: bool) -> list[str]:
    """The fields of a typed object that normalization sets."""
    if not ollama:
        # Chunk after chunk of a stream: two lookups, not a walk over every field.
        return [name for name in ("id", "created") if name in data]
    return [
        name
        for name in data
        if name in ("id", "created", "created_at") or name.endswith("_duration")
    ]


def _is_ollama(item: dict[str, Any]) -> bool:
    kind = item.get("__type__")
    return type(kind) is str and kind.startswith("ollama.")


def _expected(data: dict[str, Any], name: str, hash12: str, ollama: bool) -> Any:
    if name == "id":
        return f"rec-{hash12}"
    if name == "created":
        return 0
    if name == "created_at" and ollama:
        return EPOCH
    if ollama and name.endswith("_duration") and data[name] is not None:
        return 0
    return data[name]


def changes(recording: dict[str, Any], hash12: str) -> list[Change]:
    """Every field that is not as the recorder normalizes it."""
    response = recording.get("response")
    if not isinstance(response, dict):
        return []
    found = []
    record_id = f"rec-{hash12}"
    for index, item in _typed(response.get("body")):
        data = item["__data__"]
        # The usual chunk, already normalized: said in a few lookups, chunk after chunk.
        created = data.get("created", 0)
        normal = data.get("id", record_id) == record_id and created == 0 and type(created) is int
        ollama = _is_ollama(item)
        if (normal and not ollama) or data.get("object") == "model":
            continue
        # The pointer's head, once per object: a stream's every chunk can have changes.
        at = "/response/body" if index is None else f"/response/body/{index}"
        for name in _normalized_names(data, ollama):
            value, expected = data[name], _expected(data, name, hash12, ollama)
            if value != expected or type(value) is not type(expected):
                field_pointer = f"{at}/__data__/{escape_segment(name)}"
                found.append(Change(field_pointer, name, value, expected))
    return found


def normalized(recording: dict[str, Any], hash12: str) -> dict[str, Any]:
    """A copy of the recording with its response normalized."""
    response = dict(recording["response"])
    body = response.get("body")
    fixed: Any = list(body) if isinstance(body, list) else body
    # The same typed objects that ``changes`` looks at.
    for index, item in _typed(body):
        data = item["__data__"]
        if data.get("object") == "model":
            continue
        ollama = _is_ollama(item)
        names = set(_normalized_names(data, ollama))
        new = {
            name: _expected(data, name, hash12, ollama) if name in names else value
            for name, value in data.items()
        }
        if index is None:
            fixed = {**item, "__data__": new}
        else:
            fixed[index] = {**item, "__data__": new}
    response["body"] = fixed
    return {**recording, "response": response}


def name_hash12(file_name: str) -> str | None:
    """The first 12 hex digits of the hash a file is named by: what ``rec-`` ids carry."""
    name = parse_name(file_name)
    return name.hash[:12] if name.hash else None


# --- files ------------------------------------------------------------------------------------

NormalizeAction = Literal["normalized", "would normalize", "unchanged", "skipped", "failed"]


@dataclass(frozen=True)
class Normalization:
    path: str
    action: NormalizeAction
    fields: list[str] = field(default_factory=list)
    detail: str = ""

    def record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "action": self.action,
            "fields": self.fields,
            "detail": self.detail,
        }


def normalize_cassette(
    path: Path, display: str, root: Path, max_size: int, write: bool, headers: Sequence[str]
) -> Normalization:
    """Drop the volatile headers the project names (``normalize-headers``) from a VCR.py
    cassette: from its responses, and from its requests unless its test matches on headers
    (every byte a matcher reads stays)."""
    import fnmatch

    from recctl import recorders
    from recctl.recorders.vcr_tests import TestModules

    if not headers:
        return Normalization(display, "unchanged")
    try:
        fixture = recorders.load(path, max_size)
    except recorders.NotARecording as error:
        return Normalization(display, "skipped", detail=error.message)
    except store.LoadError as error:
        return Normalization(display, "failed", detail=error.message)
    patterns = [pattern.lower() for pattern in headers]
    match_on, _, _ = TestModules(root).replay_settings(str(path))
    requests = "headers" not in (match_on or ())
    try:
        content, names = fixture.recorder.without_headers(
            fixture, lambda name: any(fnmatch.fnmatchcase(name, p) for p in patterns), requests
        )
    except store.LoadError as error:
        return Normalization(display, "failed", detail=error.message)
    if not names:
        return Normalization(display, "unchanged")
    detail = f"{len(names)} volatile header{'s' if len(names) != 1 else ''}"
    if not write:
        return Normalization(display, "would normalize", names, detail)
    try:
        store.write(path, content, expected=fixture.raw, root=root)
    except store.WriteError as error:
        return Normalization(display, "failed", names, str(error))
    return Normalization(display, "normalized", names, detail)


def normalize_file(
    path: str | Path, display: str, root: Path, max_size: int, write: bool
) -> Normalization:
    try:
        recording = store.load(path, max_size)
    except store.LoadError as error:
        return Normalization(display, "failed", detail=error.message)
    hash12 = name_hash12(os.path.basename(path))
    if hash12 is None:
        return Normalization(display, "skipped", detail="the file name is not a request hash")
    if not isinstance(recording.data, dict):
        return Normalization(display, "skipped", detail="not a recording")
    found = changes(recording.data, hash12)
    if not found:
        return Normalization(display, "unchanged")
    fields = sorted({change.field for change in found})
    detail = f"{len(found)} fields"
    if not write:
        return Normalization(display, "would normalize", fields, detail)
    try:
        exact = store.parse_exact(recording.raw)  # every integer as it was
    except store.LoadError as error:
        return Normalization(display, "failed", fields, error.message)
    content = store.dumps(normalized(exact, hash12))
    try:
        store.write(Path(path), content, expected=recording.raw, root=root)
    except store.WriteError as error:
        return Normalization(display, "failed", fields, str(error))
    return Normalization(display, "normalized", fields, detail)


def normalize_paths(
    paths: Sequence[str | Path],
    root: Path,
    max_size: int,
    write: bool,
    stop: Interruption | None = None,
    headers: Sequence[str] = (),
    jobs: int | None = None,
) -> Iterator[Normalization]:
    """Normalize file by file (a dry run unless ``write``) until ``stop``, each result as
    its file is done; a file already right is untouched. A recording's ids and timestamps
    are normalized; a cassette loses the volatile ``headers`` the project names.

    Every file is judged over the cores, as a dry run; with ``write``, this process then
    normalizes the files judged to need it, one at a time, each read and judged again (it
    may have changed since), so that an interruption stops between two files."""
    from recctl.parallel import process_map

    items = list(paths)
    # The parses stay in the workers: this process keeps only the results it hands on.
    judged = process_map(
        _judge_item, items, jobs, _init_judge, (root, max_size, tuple(headers)), False
    )
    with contextlib.closing(judged):
        for path, judgement in zip(items, judged, strict=True):
            if stop is not None and stop.requested:
                return
            if write and judgement.action == "would normalize":
                yield normalize_one(path, root, max_size, True, headers)
            else:
                yield judgement


def normalize_one(
    path: str | Path, root: Path, max_size: int, write: bool, headers: Sequence[str]
) -> Normalization:
    """One file, by its recorder: a cassette's headers, a recording's ids and timestamps."""
    from recctl.recorders import named

    recorder = named(str(path))
    if recorder is not None and not recorder.hash_named:
        return normalize_cassette(Path(path), str(path), root, max_size, write, headers)
    # A path string: a Path per file would intern every file name for the run.
    return normalize_file(path, str(path), root, max_size, write)


_judging: dict[str, Any] = {}


def _init_judge(root: Path, max_size: int, headers: tuple[str, ...]) -> None:
    _judging.update(root=root, max_size=max_size, headers=headers)


def _judge_item(path: str | Path) -> Normalization:
    return normalize_one(path, _judging["root"], _judging["max_size"], False, _judging["headers"])
