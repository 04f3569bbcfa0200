"""Gemini Interactions (``/v1beta/interactions``): SSE events, or one interaction body."""

from __future__ import annotations

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
from recctl.formats.exception import http_error


def _usage(usage: Any) -> Usage:
    if not isinstance(usage, dict):
        return Usage()
    # Thoughts are counted apart from the output (the older key: total_reasoning_tokens);
    # tool-use prompts apart from the input.
    thoughts = usage.get("total_thought_tokens", usage.get("total_reasoning_tokens"))
    return Usage(
        prompt_tokens=total_of(usage.get("total_input_tokens"), usage.get("total_tool_use_tokens")),
        completion_tokens=total_of(usage.get("total_output_tokens"), thoughts),
        total_tokens=count(usage.get("total_tokens")),
        cached_tokens=count(usage.get("total_cached_tokens")),
        reasoning_tokens=count(thoughts),
    )


def _summary_text(value: Any) -> str | None:
    """A thought summary: a string, a content object, or a list of them (google-genai)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("text") if isinstance(value.get("text"), str) else None
    if isinstance(value, list):
        texts = [text for text in map(_summary_text, value) if text is not None]
        return "".join(texts) if texts else None
    return None


def _call(output: dict[str, Any]) -> ToolCall:
    return ToolCall(
        output.get("id"),
        "function",
        output.get("name"),
        compact_json(output.get("arguments") or {}),
    )


def reassemble_stream(view: RecordingView) -> Reassembled:
    blocks: dict[int, dict[str, Any]] = {}
    usage: Any = None
    status = model = None
    for _, event in sse_events(view.body):
        if not isinstance(event, dict):
            continue  # data: [DONE]
        kind = event.get("event_type")
        if kind == "interaction.start":
            model = (event.get("interaction") or {}).get("model")
        elif kind == "content.start":
            content = event.get("content") or {}
            blocks[event.get("index", len(blocks))] = {"type": content.get("type"), **content}
        elif kind == "content.delta":
            block = blocks.setdefault(event.get("index", 0), {"type": None})
            delta = event.get("delta") or {}
            if delta.get("type") == "text":
                block["text"] = append(block.get("text"), delta.get("text"))
            elif delta.get("type") in ("thought_summary", "thought"):
                # google-genai: delta.content.text; older streams: delta.text.
                text = _summary_text(delta.get("content")) or delta.get("text")
                block["thought"] = append(block.get("thought"), text)
            elif delta.get("type") == "function_call":
                block.update(delta)
        elif kind == "interaction.complete":
            interaction = event.get("interaction") or {}
            usage, status = interaction.get("usage"), interaction.get("status")
    text = reasoning = None
    calls = []
    for _, block in sorted(blocks.items()):
        if block.get("type") == "text":
            text = append(text, block.get("text") or "")
        elif block.get("type") == "function_call":
            calls.append(_call(block))
        reasoning = append(reasoning, block.get("thought"))
    return Reassembled(
        "gemini-interactions-stream",
        text=text,
        reasoning=reasoning,
        tool_calls=calls,
        finish_reason=status,
        usage=_usage(usage),
        model=model,
        chunks=len(view.body),
    )


def reassemble_body(view: RecordingView) -> Reassembled:
    body = view.body if isinstance(view.body, dict) else {}
    error = http_error(view)
    if error is not None:
        return Reassembled("gemini-interactions", error=error, data=body)
    text = reasoning = None
    calls = []
    for output in body.get("outputs") or []:
        if not isinstance(output, dict):
            continue
        if output.get("type") == "text":
            text = append(text, output.get("text"))
        elif output.get("type") == "thought":
            summary = _summary_text(output.get("summary"))
            reasoning = append(reasoning, summary if summary is not None else output.get("text"))
        elif output.get("type") == "function_call":
            calls.append(_call(output))
    return Reassembled(
        "gemini-interactions",
        text=text,
        reasoning=reasoning,
        tool_calls=calls,
        finish_reason=body.get("status"),
        usage=_usage(body.get("usage")),
        model=body.get("model"),
    )


FORMAT = ResponseFormat.by_streaming(
    "gemini-interactions",
    lambda view: view.path_ends("/interactions"),
    reassemble_stream,
    reassemble_body,
)
