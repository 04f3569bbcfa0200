"""OpenAI Responses API (``/v1/responses``): a ``Response`` body, or its stream of events.

A stream is a list of events (typed objects, or SSE lines for raw HTTP calls):
``response.created``, ``response.output_item.added``, ``response.output_text.delta``,
``response.reasoning_summary_text.delta``, ``response.function_call_arguments.delta``, ...,
``response.completed`` (or ``.incomplete`` / ``.failed``) with the whole response and its
usage. The final response, when the stream has one, is read as a body; otherwise the deltas
are put together by output index.

Usage: ``input_tokens`` (cached ones included: ``input_tokens_details.cached_tokens``),
``output_tokens`` (reasoning included: ``output_tokens_details.reasoning_tokens``),
``total_tokens``.
"""

from __future__ import annotations

from typing import Any

from recctl.formats.base import (
    Reassembled,
    RecordingView,
    ResponseFormat,
    ToolCall,
    Usage,
    append,
    count,
    get,
    sse_events,
)
from recctl.formats.exception import http_error

_FINAL = ("response.completed", "response.incomplete", "response.failed")


def usage(value: Any) -> Usage:
    if not isinstance(value, dict):
        return Usage()
    return Usage(
        prompt_tokens=count(value.get("input_tokens")),
        completion_tokens=count(value.get("output_tokens")),
        total_tokens=count(value.get("total_tokens")),
        cached_tokens=count(get(value, "input_tokens_details", "cached_tokens")),
        reasoning_tokens=count(get(value, "output_tokens_details", "reasoning_tokens")),
    )


def _finish(response: dict[str, Any]) -> Any:
    """Why it ended: the reason of an incomplete response, else its status."""
    reason = get(response, "incomplete_details", "reason")
    return reason if isinstance(reason, str) else response.get("status")


def _text_of(content: Any, kind: str) -> str | None:
    text = None
    for part in content if isinstance(content, list) else []:
        if isinstance(part, dict) and part.get("type") == kind:
            text = append(text, part.get("text"))
    return text


def from_response(response: dict[str, Any], format: str, chunks: int | None = None) -> Reassembled:
    text = reasoning = refusal = None
    calls = []
    for item in response.get("output") or []:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            text = append(text, _text_of(item.get("content"), "output_text"))
            refusal = append(refusal, _text_of(item.get("content"), "refusal"))
        elif kind == "reasoning":
            reasoning = append(reasoning, _text_of(item.get("summary"), "summary_text"))
        elif kind == "function_call":
            calls.append(
                ToolCall(
                    item.get("call_id") or item.get("id"),
                    "function",
                    item.get("name"),
                    item.get("arguments") or "",
                )
            )
    error = response.get("error")
    return Reassembled(
        format,
        text=text,
        reasoning=reasoning,
        refusal=refusal,
        tool_calls=calls,
        finish_reason=_finish(response),
        usage=usage(response.get("usage")),
        model=response.get("model") if isinstance(response.get("model"), str) else None,
        chunks=chunks,
        error=get(error, "message") if isinstance(error, dict) else None,
    )


def _events(view: RecordingView) -> list[dict[str, Any]]:
    items = view.items
    if items and all(isinstance(item, str) for item in items):
        return [event for _, event in sse_events(items) if isinstance(event, dict)]
    return [item for item in items if isinstance(item, dict)]


def reassemble_stream(view: RecordingView) -> Reassembled:
    events = _events(view)
    chunks = len(view.body) if isinstance(view.body, list) else None
    for event in reversed(events):
        if event.get("type") in _FINAL and isinstance(event.get("response"), dict):
            return from_response(event["response"], "openai-responses-stream", chunks)
    # No final response (a cut stream): the deltas, by output index.
    texts: dict[int, str | None] = {}
    reasoning = None
    calls: dict[int, dict[str, Any]] = {}
    model = None
    for event in events:
        kind = event.get("type")
        position = event.get("output_index")
        index = position if isinstance(position, int) else 0
        if kind == "response.created":
            model = get(event, "response", "model")
        elif kind == "response.output_text.delta":
            texts[index] = append(texts.get(index), event.get("delta"))
        elif kind == "response.reasoning_summary_text.delta":
            reasoning = append(reasoning, event.get("delta"))
        elif kind == "response.output_item.added" and get(event, "item", "type") == "function_call":
            item = event["item"]
            calls[index] = {"id": item.get("call_id"), "name": item.get("name"), "arguments": ""}
        elif kind == "response.function_call_arguments.delta":
            call = calls.setdefault(index, {"id": None, "name": None, "arguments": ""})
            delta = event.get("delta")
            call["arguments"] += delta if isinstance(delta, str) else ""
    text = None
    for _, piece in sorted(texts.items()):
        text = append(text, piece)
    return Reassembled(
        "openai-responses-stream",
        text=text,
        reasoning=reasoning,
        tool_calls=[
            ToolCall(call["id"], "function", call["name"], call["arguments"])
            for _, call in sorted(calls.items())
        ],
        model=model if isinstance(model, str) else None,
        chunks=chunks,
    )


def reassemble_body(view: RecordingView) -> Reassembled:
    body = view.items[0] if view.items else None
    error = http_error(view)
    if error is not None or not isinstance(body, dict):
        return Reassembled("openai-responses", error=error, data=body)
    return from_response(body, "openai-responses")


def _matches(view: RecordingView) -> bool:
    items = view.items
    if view.streaming:
        events = _events(view) if view.path_ends("/responses") or items else []
        return any(str(event.get("type", "")).startswith("response.") for event in events)
    body = items[0] if items else None
    return isinstance(body, dict) and body.get("object") == "response"


FORMAT = ResponseFormat.by_streaming(
    "openai-responses", _matches, reassemble_stream, reassemble_body
)
