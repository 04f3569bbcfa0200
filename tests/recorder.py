"""A faithful, deliberately naive recorder, written from shared/docs/hashing.md alone.

recctl's hashing is optimized (memoized, composed, pre-filtered); this is the plain reading
of the documented recipe, with none of that, so tests can compare the two.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

SCHEMES = ("1", "2", "3", "4a", "4b", "4")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _rounded(value: Any, file_search: bool) -> Any:
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, str):
        if file_search:
            value = re.sub(
                r"score:\s*[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", "score: __NORMALIZED__", value
            )
            value = re.sub(r",?\s*attributes:\s*\{[^}]*\}", "", value)
            value = re.sub(r"document_id:\s*" + _UUID, "document_id: __NORMALIZED__", value)
            value = re.sub(r"<\|" + _UUID + r"\|>", "<|__NORMALIZED__|>", value)
        return re.sub(r"-?\d+\.\d{4,}", lambda m: f"{float(m.group()):.5f}", value)
    if isinstance(value, dict):
        return {k: _rounded(v, file_search) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v, file_search) for v in value]
    return value


def _mapped(value: Any, mapping: dict[str, str]) -> Any:
    text = json.dumps(value)
    for key, original in mapping.items():
        text = text.replace(json.dumps(original)[1:-1], json.dumps(key)[1:-1])
    return json.loads(text)


def request_hash(recording: dict[str, Any], scheme: str) -> str:
    order = SCHEMES.index(scheme)
    request = _mapped(recording["request"], recording.get("id_normalization_mapping") or {})
    if "tool_name" in request:
        canonical: dict[str, Any] = {
            "provider": request.get("provider"),
            "tool_name": request["tool_name"],
            "kwargs": request["kwargs"],
        }
    elif "payload" in request:
        payload = _rounded(request["payload"], file_search=scheme == "4")
        canonical = {
            "test_id": request.get("test_id"),
            "url": request["url"],
            "method": request["method"].upper(),
            "payload": payload,
        }
    else:
        url = urlparse(request["url"])
        body = copy.deepcopy(request["body"])
        if order >= SCHEMES.index("4a") and "bedrock" in (url.hostname or ""):
            body.pop("stream_options", None)
        if order >= SCHEMES.index("4b"):
            for key in ("extra_body", "extra_query"):
                if isinstance(body.get(key), dict):
                    body[key].pop("project_id", None)
        if order >= SCHEMES.index("3"):
            body = _rounded(body, file_search=scheme == "4")
        canonical = {"method": request["method"].upper(), "endpoint": url.path, "body": body}
        exempt = {"/api/tags", "/v1/models"}
        if order >= SCHEMES.index("4a"):
            exempt.add("/v1/openai/v1/models")
        if order >= SCHEMES.index("2") and url.path not in exempt:
            canonical["test_id"] = recording.get("test_id")
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def record(recording: dict[str, Any], scheme: str) -> tuple[str, str]:
    """(file name, file content) as the recorder of ``scheme`` writes them."""
    digest = request_hash(recording, scheme)
    written = copy.deepcopy(recording)
    body = written["response"]["body"]
    for chunk in body if isinstance(body, list) else [body]:
        if isinstance(chunk, dict) and isinstance(chunk.get("__data__"), dict):
            chunk["__data__"]["id"] = f"rec-{digest[:12]}"
    name = f"{digest[:12] if scheme == '1' else digest}.json"
    return name, json.dumps(written, indent=2) + "\n"


def write(directory: Path, data: dict[str, Any], scheme: str = "4") -> Path:
    """Record ``data`` into ``directory`` as the recorder of ``scheme`` would; the new file."""
    name, content = record(data, scheme)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(content)
    return directory / name


def model_listing(ids: list[str], test_id: str | None = None) -> dict[str, Any]:
    """A ``/v1/models`` recording of models with these ids, as the recorder writes it."""
    models = [
        {"__type__": "openai.types.model.Model", "__data__": {"id": i, "object": "model"}}
        for i in ids
    ]
    return {
        "test_id": test_id,
        "request": {
            "method": "GET",
            "url": "http://localhost:11434/v1/models",
            "headers": {},
            "body": {},
            "endpoint": "/v1/models",
            "model": "",
        },
        "response": {"body": models, "is_streaming": False},
    }
