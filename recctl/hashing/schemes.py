"""The registry of llama-stack's request-hash schemes, oldest first.

Each scheme is one entry: when recorders used it, what it changed, which request kinds it
knows, and the steps that turn a recorded request into the canonical form it hashed.
Adding a scheme is one more entry at the end (it becomes the default target).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from recctl.errors import UsageError
from recctl.hashing.canonical import (
    Memo,
    RequestKind,
    apply_id_mapping,
    may_change_by_rounding,
    may_hold_file_search_text,
    normalize_file_search_then_round,
    normalize_values,
    request_kind,
    round_decimal_literals,
    url_parts,
)

# A body step: (body, url host, memo) -> new body. Steps never mutate their input, and
# return it unchanged (the same object) when they have nothing to do.
BodyStep = Callable[[Any, str, Memo], Any]


def drop_bedrock_stream_options(body: Any, host: str, memo: Memo) -> Any:
    if "bedrock" in host and isinstance(body, dict) and "stream_options" in body:
        return {key: value for key, value in body.items() if key != "stream_options"}
    return body


def _has_project_id(value: Any) -> bool:
    return isinstance(value, dict) and "project_id" in value


def drop_project_id(body: Any, host: str, memo: Memo) -> Any:
    if not isinstance(body, dict) or not (
        _has_project_id(body.get("extra_body")) or _has_project_id(body.get("extra_query"))
    ):
        return body
    changed = dict(body)
    for key in ("extra_body", "extra_query"):
        inner = body.get(key)
        if isinstance(inner, dict) and "project_id" in inner:
            changed[key] = {name: value for name, value in inner.items() if name != "project_id"}
    return changed


def _rounded(body: Any, memo: Memo) -> Any:
    if not may_change_by_rounding(body, memo):
        return body
    return normalize_values(body, round_decimal_literals)


def round_decimals(body: Any, host: str, memo: Memo) -> Any:
    return memo.get("round", body, lambda value: _rounded(value, memo))


def _file_search_then_rounded(body: Any, memo: Memo) -> Any:
    if not may_hold_file_search_text(body, memo):
        return round_decimals(body, "", memo)
    return normalize_values(body, normalize_file_search_then_round)


def normalize_file_search_then_decimals(body: Any, host: str, memo: Memo) -> Any:
    return memo.get("file-search", body, lambda value: _file_search_then_rounded(value, memo))


MODEL_LISTS = frozenset({"/api/tags", "/v1/models"})
ALL_KINDS = frozenset({RequestKind.INFERENCE, RequestKind.TOOL, RequestKind.RAW_HTTP})


@dataclass(frozen=True)
class HashScheme:
    """One way the recorder turned a request into the SHA-256 in a file name."""

    name: str
    recorded: str
    """When recorders used it."""
    adds: str
    """What it changed compared with the scheme before it, said of a request."""
    name_length: int
    """Hex digits of the hash in a file name: 12 in the legacy layout, else 64."""
    test_id: bool
    """Whether inference hashes carry the file's test_id."""
    model_list_paths: frozenset[str]
    """Endpoints whose hashes never carry test_id (model listings are shared)."""
    body_steps: tuple[BodyStep, ...]
    payload_steps: tuple[BodyStep, ...]
    kinds: frozenset[RequestKind]

    def canonical(self, data: Mapping[str, Any], memo: Memo | None = None) -> Any | None:
        """The object this scheme hashed for a recording, or None for a kind it lacks.

        Pass one ``memo`` to every scheme's call for the same recording to share work.
        """
        memo = memo or Memo()
        request = data.get("request")
        # dict, not Mapping: parsed JSON is made of dicts, and an ABC check costs ten times more.
        if not isinstance(request, dict):
            return None
        kind = request_kind(request)
        if kind not in self.kinds:
            return None
        mapping = data.get("id_normalization_mapping")
        if isinstance(mapping, dict) and mapping:
            request = memo.get("mapping", request, lambda value: apply_id_mapping(value, mapping))
        if kind is RequestKind.TOOL:
            return {
                "provider": request.get("provider"),
                "tool_name": request["tool_name"],
                "kwargs": request.get("kwargs"),
            }
        url = str(request.get("url", ""))
        path, host = url_parts(url)
        method = str(request.get("method", "")).upper()
        if kind is RequestKind.RAW_HTTP:
            payload = request["payload"]
            for step in self.payload_steps:
                payload = step(payload, host, memo)
            return {
                "test_id": request.get("test_id", data.get("test_id")),
                "url": url,
                "method": method,
                "payload": payload,
            }
        body = request.get("body")
        for step in self.body_steps:
            body = step(body, host, memo)
        # The url's path, not request["endpoint"]: the recorder hashed what it sent.
        canonical = {"method": method, "endpoint": path, "body": body}
        if self.test_id and path not in self.model_list_paths:
            canonical["test_id"] = data.get("test_id")
        return canonical


SCHEMES: dict[str, HashScheme] = {
    scheme.name: scheme
    for scheme in (
        HashScheme(
            name="1",
            recorded="2025-07 .. 2025-10-03",
            adds="method, url path and body as recorded; legacy layout, 12-hex names",
            name_length=12,
            test_id=False,
            model_list_paths=frozenset(),
            body_steps=(),
            payload_steps=(),
            kinds=frozenset({RequestKind.INFERENCE, RequestKind.TOOL}),
        ),
        HashScheme(
            name="2",
            recorded="2025-10-04 .. 2025-10-08",
            adds="the test's id hashed (per-test layout)",
            name_length=64,
            test_id=True,
            model_list_paths=MODEL_LISTS,
            body_steps=(),
            payload_steps=(),
            kinds=frozenset({RequestKind.INFERENCE, RequestKind.TOOL}),
        ),
        HashScheme(
            name="3",
            recorded="2025-10-09 .. 2026-01-20",
            adds="decimals rounded to 5 places",
            name_length=64,
            test_id=True,
            model_list_paths=MODEL_LISTS,
            body_steps=(round_decimals,),
            payload_steps=(round_decimals,),
            kinds=ALL_KINDS,
        ),
        HashScheme(
            name="4a",
            recorded="2026-01-21 .. 2026-03-17",
            adds="stream_options dropped for Bedrock",
            name_length=64,
            test_id=True,
            model_list_paths=MODEL_LISTS | {"/v1/openai/v1/models"},
            body_steps=(drop_bedrock_stream_options, round_decimals),
            payload_steps=(round_decimals,),
            kinds=ALL_KINDS,
        ),
        HashScheme(
            name="4b",
            recorded="2026-03-18 .. 2026-04-08",
            adds="project_id dropped from extra_body and extra_query",
            name_length=64,
            test_id=True,
            model_list_paths=MODEL_LISTS | {"/v1/openai/v1/models"},
            body_steps=(drop_bedrock_stream_options, drop_project_id, round_decimals),
            payload_steps=(round_decimals,),
            kinds=ALL_KINDS,
        ),
        HashScheme(
            name="4",
            recorded="2026-04-09 ..",
            adds="file-search scores, attributes and document ids normalized",
            name_length=64,
            test_id=True,
            model_list_paths=MODEL_LISTS | {"/v1/openai/v1/models"},
            body_steps=(
                drop_bedrock_stream_options,
                drop_project_id,
                normalize_file_search_then_decimals,
            ),
            payload_steps=(normalize_file_search_then_decimals,),
            kinds=ALL_KINDS,
        ),
    )
}

DEFAULT_SCHEME = list(SCHEMES)[-1]


def get_scheme(name: str | None) -> HashScheme:
    """A scheme by name (the newest when None); a usage error names the known ones."""
    scheme = SCHEMES.get(name or DEFAULT_SCHEME)
    if scheme is None:
        raise UsageError(f"unknown hash scheme {name!r} (known: {', '.join(SCHEMES)})")
    return scheme
