"""The recorder's response normalization, applied to existing files.

When llama-stack records (and what its ``normalize_recordings.py`` does to old files): in
every typed response object, ``id`` becomes ``rec-<hash[:12]>`` and ``created`` becomes 0,
except for model objects (``object: "model"``), which keep both; Ollama's ``created_at``
becomes the epoch and its non-null ``*_duration`` fields 0. Plain dict bodies (raw HTTP
calls, Gemini) are left as recorded, as the recorder leaves them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from recctl.locate import pointer

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
    return str(item.get("__type__", "")).startswith("ollama.")


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
        for name in _normalized_names(data, ollama):
            value, expected = data[name], _expected(data, name, hash12, ollama)
            if value != expected or type(value) is not type(expected):
                path: list[str | int] = ["response", "body"]
                path += [] if index is None else [index]
                found.append(Change(pointer([*path, "__data__", name]), name, value, expected))
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
