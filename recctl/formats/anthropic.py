"""Anthropic Messages (``/v1/messages``): SSE events, a Message body, or an error body."""

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
    sse_events,
    total_of,
)
from recctl.formats.exception import error_message, http_error


def _usage(usage: dict[str, Any]) -> Usage:
    """Anthropic's ``input_tokens`` leave out what was written to and read from the cache:
    the prompt is all three. Thinking is inside ``output_tokens``."""
    details = usage.get("output_tokens_details")
    return Usage(
        prompt_tokens=total_of(
            usage.get("input_tokens"),
            usage.get("cache_creation_input_tokens"),
            usage.get("cache_read_input_tokens"),
        ),
        completion_tokens=count(usage.get("output_tokens")),
        cached_tokens=count(usage.get("cache_read_input_tokens")),
        reasoning_tokens=count(details.get("thinking_tokens"))
        if isinstance(details, dict)
        else None,
    )


def _from_blocks(
    format: str, blocks: list[dict[str, Any]], stop: Any, usage: dict[str, Any], **fields: Any
) -> Reassembled:
    text = reasoning = None
    calls = []
    for block in blocks:
        kind = block.get("type")
        if kind == "text":
            text = append(text, block.get("text") or "")
        elif kind == "thinking":
            reasoning = append(reasoning, block.get("thinking") or "")
        elif kind in ("tool_use", "server_tool_use"):
            calls.append(
                ToolCall(
                    block.get("id"), kind, block.get("name"), compact_json(block.get("input", {}))
                )
            )
    return Reassembled(
        format,
        text=text,
        reasoning=reasoning,
        tool_calls=calls,
        finish_reason=stop,
        usage=_usage(usage),
        **fields,
    )


def reassemble_stream(view: RecordingView) -> Reassembled:
    blocks: dict[int, dict[str, Any]] = {}
    partial_json: dict[int, str] = {}
    usage: dict[str, Any] = {}
    stop = model = error = None
    for name, event in sse_events(view.body):
        if not isinstance(event, dict):
            continue
        kind = event.get("type") or name
        if kind == "message_start":
            message = event.get("message") or {}
            model = message.get("model")
            usage = dict(message.get("usage") or {})
        elif kind == "content_block_start":
            blocks[event.get("index", len(blocks))] = dict(event.get("content_block") or {})
        elif kind == "content_block_delta":
            index = event.get("index", 0)
            block = blocks.setdefault(index, {"type": "text"})
            delta = event.get("delta") or {}
            delta_type = delta.get("type")
            if delta_type == "text_delta":
                block["text"] = (block.get("text") or "") + (delta.get("text") or "")
            elif delta_type == "thinking_delta":
                block["thinking"] = (block.get("thinking") or "") + (delta.get("thinking") or "")
            elif delta_type == "input_json_delta":
                partial_json[index] = partial_json.get(index, "") + (
                    delta.get("partial_json") or ""
                )
            elif delta_type == "signature_delta":
                block["signature"] = delta.get("signature")
        elif kind == "message_delta":
            stop = (event.get("delta") or {}).get("stop_reason") or stop
            # The final usage: each reported field replaces the start's (input can grow).
            usage.update({k: v for k, v in (event.get("usage") or {}).items() if v is not None})
        elif kind == "error":
            error = error_message(event) or "error"
    for index, text in partial_json.items():
        try:
            blocks[index]["input"] = json.loads(text) if text else {}
        except ValueError:
            blocks[index]["input"] = text
    reassembled = _from_blocks(
        "anthropic-stream",
        [block for _, block in sorted(blocks.items())],
        stop,
        usage,
        model=model,
        chunks=len(view.body),
    )
    reassembled.error = error
    return reassembled


def reassemble_body(view: RecordingView) -> Reassembled:
    body = view.body if isinstance(view.body, dict) else {}
    error = http_error(view)
    if error is not None:
        return Reassembled("anthropic", error=error, data=body)
    return _from_blocks(
        "anthropic",
        [block for block in body.get("content") or [] if isinstance(block, dict)],
        body.get("stop_reason"),
        body.get("usage") or {},
        model=body.get("model"),
    )


def _matches(view: RecordingView) -> bool:
    """``/messages``, or an Anthropic model's answer by another route (Bedrock's ``invoke``):
    a Message body, or a stream that starts with ``message_start``."""
    if view.path_ends("/messages"):
        return True
    body = view.body
    if view.streaming:
        first = body[0] if isinstance(body, list) and body else None
        return isinstance(first, dict) and first.get("type") == "message_start"
    return isinstance(body, dict) and body.get("type") == "message" and "content" in body


FORMAT = ResponseFormat.by_streaming("anthropic", _matches, reassemble_stream, reassemble_body)
