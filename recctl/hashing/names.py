"""Recording file names: full hashes, legacy prefixes and model-list names with a digest."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_HASH_NAME = re.compile(r"^(?:models-)?([0-9a-f]{64}|[0-9a-f]{12})(?:-([0-9a-f]{8}))?$")


@dataclass(frozen=True)
class RecordingName:
    """What a file name says: the hash (or its 12-hex prefix) and, for model lists, a digest."""

    stem: str
    hash: str | None
    models: bool
    digest: str | None

    @property
    def is_hash(self) -> bool:
        return self.hash is not None


def parse_name(file_name: str) -> RecordingName:
    stem = file_name.removesuffix(".json")
    match = _HASH_NAME.match(stem)
    models = stem.startswith("models-")
    if match is None or models != (match.group(2) is not None):
        return RecordingName(stem, None, models, None)
    return RecordingName(stem, match.group(1), models, match.group(2))


def model_identifiers(body: Any) -> list[str] | None:
    """The model ids of a model-list body (OpenAI ``id``, Ollama ``model``), or None."""
    entries: Any = body
    if isinstance(body, Mapping) and "__data__" in body:
        entries = body["__data__"]
    if isinstance(entries, Mapping):
        entries = entries.get("models", entries.get("data"))
    if not isinstance(entries, list):
        return None
    identifiers: list[str] = []
    for entry in entries:
        data = entry.get("__data__", entry) if isinstance(entry, Mapping) else None
        if not isinstance(data, Mapping):
            return None
        identifier = data.get("id") if "id" in data else data.get("model")
        if isinstance(identifier, str):
            identifiers.append(identifier)
    return identifiers


def models_digest(body: Any) -> str | None:
    """First 8 hex of sha256 over the sorted, distinct model identifiers joined by ``|``."""
    identifiers = model_identifiers(body)
    if identifiers is None:
        return None
    joined = "|".join(sorted(set(identifiers)))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:8]


def file_name(hash_hex: str, length: int, digest: str | None) -> str:
    """The name the recorder gives a recording with this hash."""
    if digest is not None:
        return f"models-{hash_hex[:length]}-{digest}.json"
    return f"{hash_hex[:length]}.json"
