"""Cohere's v2 Chat API (``/v2/chat``): ``message.content`` blocks, ``finish_reason``,
``usage.tokens`` (what the model read and wrote) beside ``usage.billed_units``."""

from __future__ import annotations

from recctl.formats.base import (
    Reassembled,
    RecordingView,
    ResponseFormat,
    ToolCall,
    Usage,
    append,
    count,
    get,
)
from recctl.formats.exception import http_error


def reassemble(view: RecordingView) -> Reassembled:
    body = view.body if isinstance(view.body, dict) else {}
    error = http_error(view)
    if error is not None:
        return Reassembled("cohere-chat", error=error, data=body)
    text = None
    for block in get(body, "message", "content") or []:
        if isinstance(block, dict) and block.get("type") == "text":
            text = append(text, block.get("text"))
    calls = [
        ToolCall(
            call.get("id"),
            call.get("type"),
            get(call, "function", "name"),
            str(get(call, "function", "arguments") or ""),
        )
        for call in get(body, "message", "tool_calls") or []
        if isinstance(call, dict)
    ]
    tokens = get(body, "usage", "tokens") or {}
    return Reassembled(
        "cohere-chat",
        text=text,
        tool_calls=calls,
        finish_reason=body.get("finish_reason"),
        usage=Usage(
            prompt_tokens=count(tokens.get("input_tokens")),
            completion_tokens=count(tokens.get("output_tokens")),
        ),
    )


FORMAT = ResponseFormat("cohere-chat", lambda view: view.path_ends("/v2/chat"), reassemble)
