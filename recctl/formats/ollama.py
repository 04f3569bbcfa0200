"""Ollama's native API: ``/api/chat`` and ``/api/generate`` (streamed or not), and the
``/api/ps``, ``/api/tags`` and ``/api/embed(dings)`` bodies, which are listings."""

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
)


def _usage(final: dict[str, Any]) -> Usage:
    return Usage(
        prompt_tokens=count(final.get("prompt_eval_count")),
        completion_tokens=count(final.get("eval_count")),
    )


def reassemble_message(view: RecordingView) -> Reassembled:
    items = [item for item in view.items if isinstance(item, dict)]
    text = reasoning = None
    calls = []
    for item in items:
        message = item.get("message")
        source = message if isinstance(message, dict) else item
        text = append(text, source.get("content") if message is not None else item.get("response"))
        reasoning = append(reasoning, source.get("thinking"))
        for call in source.get("tool_calls") or []:
            function = call.get("function") or {} if isinstance(call, dict) else {}
            arguments = function.get("arguments")
            calls.append(
                ToolCall(
                    call.get("id") if isinstance(call, dict) else None,
                    "function",
                    function.get("name"),
                    arguments if isinstance(arguments, str) else compact_json(arguments or {}),
                )
            )
    final = next((item for item in reversed(items) if item.get("done")), items[-1] if items else {})
    return Reassembled(
        "ollama",
        text=text,
        reasoning=reasoning,
        tool_calls=calls,
        finish_reason=final.get("done_reason"),
        usage=_usage(final),
        model=final.get("model"),
        chunks=len(view.items) if view.streaming else None,
    )


def reassemble_listing(view: RecordingView) -> Reassembled:
    body = view.items[0] if view.items else None
    data: Any = body
    usage = Usage()
    if isinstance(body, dict) and isinstance(body.get("models"), list):
        data = {
            "models": [
                m.get("model") or m.get("name") for m in body["models"] if isinstance(m, dict)
            ]
        }
    elif isinstance(body, dict) and "embeddings" in body:
        vectors = body.get("embeddings") or []
        data = {
            "embeddings": len(vectors),
            "dimensions": sorted({len(v) for v in vectors if isinstance(v, list)}),
        }
        usage = Usage(prompt_tokens=count(body.get("prompt_eval_count")))
    return Reassembled("ollama-listing", usage=usage, model=get_model(body), data=data)


def get_model(body: Any) -> str | None:
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


def _matches_message(view: RecordingView) -> bool:
    return view.path_ends("/api/chat", "/api/generate")


def _matches_listing(view: RecordingView) -> bool:
    return view.path_ends("/api/ps", "/api/tags", "/api/embed", "/api/embeddings")


MESSAGE = ResponseFormat("ollama", _matches_message, reassemble_message)
LISTING = ResponseFormat("ollama-listing", _matches_listing, reassemble_listing)
