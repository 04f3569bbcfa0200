"""Amazon Bedrock's Converse API (``/converse``, ``/converse-stream``) and the Nova models'
``invoke`` bodies, which share its shape: ``output.message.content`` blocks, ``stopReason``,
``usage`` in camelCase. A stream is the event-stream's events as the SDK yields them
(``{"contentBlockDelta": {...}}``)."""

from __future__ import annotations

import json
from typing import Any

from recctl.formats.base import (
    Reassembled,
    RecordingView,
    ResponseFormat,
    ToolCall,
    Usage,
    append,
    compact_json,
    count,
    get,
)
from recctl.formats.exception import http_error


def _model(view: RecordingView) -> str | None:
    """The model a Bedrock url names: ``/model/<id>/converse``."""
    from urllib.parse import unquote

    parts = view.url_path.split("/")
    if "model" in parts[:-2]:
        return unquote(parts[parts.index("model") + 1]) or None
    return None


def _usage(usage: Any) -> Usage:
    if not isinstance(usage, dict):
        return Usage()
    return Usage(
        prompt_tokens=count(usage.get("inputTokens")),
        completion_tokens=count(usage.get("outputTokens")),
        total_tokens=count(usage.get("totalTokens")),
        cached_tokens=count(usage.get("cacheReadInputTokens")),
    )


def reassemble_body(view: RecordingView) -> Reassembled:
    body = view.body if isinstance(view.body, dict) else {}
    error = http_error(view)
    if error is not None:
        return Reassembled("bedrock-converse", error=error, data=body)
    text = reasoning = None
    calls = []
    for block in get(body, "output", "message", "content") or []:
        if not isinstance(block, dict):
            continue
        text = append(text, block.get("text"))
        reasoning = append(reasoning, get(block, "reasoningContent", "reasoningText", "text"))
        use = block.get("toolUse")
        if isinstance(use, dict):
            arguments = compact_json(use.get("input") or {})
            calls.append(ToolCall(use.get("toolUseId"), "tool_use", use.get("name"), arguments))
    return Reassembled(
        "bedrock-converse",
        text=text,
        reasoning=reasoning,
        tool_calls=calls,
        finish_reason=body.get("stopReason"),
        usage=_usage(body.get("usage")),
        model=_model(view),
    )


def reassemble_stream(view: RecordingView) -> Reassembled:
    text = reasoning = stop = None
    usage: Any = None
    calls: dict[int, dict[str, Any]] = {}
    events = [item for item in view.items if isinstance(item, dict)]
    for event in events:
        start = get(event, "contentBlockStart", "start", "toolUse")
        if isinstance(start, dict):
            index = get(event, "contentBlockStart", "contentBlockIndex") or 0
            calls[index] = {"id": start.get("toolUseId"), "name": start.get("name"), "input": ""}
        delta = get(event, "contentBlockDelta", "delta")
        if isinstance(delta, dict):
            text = append(text, delta.get("text"))
            reasoning = append(reasoning, get(delta, "reasoningContent", "text"))
            piece = get(delta, "toolUse", "input")
            if isinstance(piece, str):
                index = get(event, "contentBlockDelta", "contentBlockIndex") or 0
                calls.setdefault(index, {"id": None, "name": None, "input": ""})["input"] += piece
        stop = get(event, "messageStop", "stopReason") or stop
        usage = get(event, "metadata", "usage") or usage
    tool_calls = []
    for _, call in sorted(calls.items()):
        try:
            arguments = compact_json(json.loads(call["input"] or "{}"))
        except ValueError:
            arguments = call["input"]
        tool_calls.append(ToolCall(call["id"], "tool_use", call["name"], arguments))
    return Reassembled(
        "bedrock-converse-stream",
        text=text,
        reasoning=reasoning,
        tool_calls=tool_calls,
        finish_reason=stop,
        usage=_usage(usage),
        chunks=len(events),
        model=_model(view),
    )


_EVENTS = ("messageStart", "contentBlockDelta", "contentBlockStart", "messageStop", "metadata")


def _matches(view: RecordingView) -> bool:
    if view.streaming:
        return any(isinstance(item, dict) and item.keys() & set(_EVENTS) for item in view.items)
    body = view.body
    return view.url_path.endswith("/converse") or (
        isinstance(body, dict) and isinstance(get(body, "output", "message"), dict)
    )


FORMAT = ResponseFormat.by_streaming(
    "bedrock-converse", _matches, reassemble_stream, reassemble_body
)
