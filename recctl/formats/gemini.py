"""Gemini ``generate_content`` and ``generate_content_stream`` (plain dicts, no ``__type__``).

One candidate per chunk, by list position; function calls arrive whole, with no id, and the
finish reason stays STOP even then: it is kept as sent, and ``stop_kind`` says tool_calls.
"""

from __future__ import annotations

import re
from typing import Any

from recctl.formats.base import (
    Choice,
    Reassembled,
    RecordingView,
    ResponseFormat,
    ToolCall,
    Usage,
    append,
    compact_json,
    count,
    total_of,
)

_COUNTS = (
    "prompt_token_count",
    "candidates_token_count",
    "total_token_count",
    "cached_content_token_count",
    "thoughts_token_count",
)


def _usage(items: list[Any]) -> Usage:
    # Every chunk has usage_metadata; only the last has counts: never the first, never a sum.
    for item in reversed(items):
        metadata = item.get("usage_metadata") if isinstance(item, dict) else None
        if isinstance(metadata, dict) and any(metadata.get(key) is not None for key in _COUNTS):
            # total = prompt + candidates + thoughts + tool-use prompt: the contract puts
            # thoughts inside completion and tool-use prompts inside prompt.
            return Usage(
                prompt_tokens=total_of(
                    metadata.get("prompt_token_count"), metadata.get("tool_use_prompt_token_count")
                ),
                completion_tokens=total_of(
                    metadata.get("candidates_token_count"), metadata.get("thoughts_token_count")
                ),
                total_tokens=count(metadata.get("total_token_count")),
                cached_tokens=count(metadata.get("cached_content_token_count")),
                reasoning_tokens=count(metadata.get("thoughts_token_count")),
            )
    return Usage()


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake_keys(value: Any) -> Any:
    """The REST API's camelCase keys (``usageMetadata``, ``functionCall``) as the SDK's
    snake_case ones, which the recorder of the SDK stores; function arguments as sent."""
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        (key if not isinstance(key, str) else _CAMEL.sub(r"_\1", key).lower()): (
            item if key == "args" else snake_keys(item)
        )
        for key, item in value.items()
    }


def reassemble(view: RecordingView) -> Reassembled:
    items = [snake_keys(item) for item in view.items if isinstance(item, dict)]
    choices: dict[int, Choice] = {}
    for item in items:
        for position, candidate in enumerate(item.get("candidates") or []):
            choice = choices.setdefault(position, Choice(position))
            content = candidate.get("content") or {}
            choice.role = choice.role or content.get("role")
            for part in content.get("parts") or []:
                if not isinstance(part, dict):
                    continue
                if part.get("thought"):
                    choice.reasoning = append(choice.reasoning, part.get("text"))
                elif part.get("text") is not None:
                    choice.text = append(choice.text, part.get("text"))
                call = part.get("function_call")
                if isinstance(call, dict):
                    arguments = compact_json(call.get("args") or {})
                    choice.tool_calls.append(
                        ToolCall(call.get("id"), "function", call.get("name"), arguments)
                    )
            if candidate.get("finish_reason") is not None:
                choice.finish_reason = candidate["finish_reason"]
    model = next((item.get("model_version") for item in items if item.get("model_version")), None)
    return Reassembled.from_choices(
        "gemini-stream" if view.streaming else "gemini",
        [choice for _, choice in sorted(choices.items())],
        usage=_usage(items),
        model=model,
        chunks=len(view.items) if view.streaming else None,
    )


def _matches(view: RecordingView) -> bool:
    return (
        "generate_content" in view.endpoint
        or "generate_content" in view.url_path
        or view.url_path.endswith((":generateContent", ":streamGenerateContent"))
        or (
            bool(view.items)
            and all(isinstance(item, dict) and "candidates" in item for item in view.items)
        )
    )


FORMAT = ResponseFormat("gemini", _matches, reassemble)
