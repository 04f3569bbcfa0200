"""OpenAI legacy completions (``/v1/completions``): streams and bodies of ``Completion``."""

from __future__ import annotations

from typing import Any

from recctl.formats.base import Choice, Reassembled, RecordingView, ResponseFormat, append
from recctl.formats.openai_chat import openai_usage


def reassemble(view: RecordingView) -> Reassembled:
    items = [item for item in view.items if isinstance(item, dict)]
    texts: dict[int, Choice] = {}
    usage: Any = None
    for item in items:
        if item.get("usage") is not None:
            usage = item["usage"]
        for choice in item.get("choices") or []:
            index = choice.get("index", 0)
            state = texts.setdefault(index if isinstance(index, int) else 0, Choice(index))
            state.text = append(state.text, choice.get("text"))
            if choice.get("finish_reason") is not None:
                state.finish_reason = choice["finish_reason"]
    return Reassembled.from_choices(
        "openai-completion-stream" if view.streaming else "openai-completion",
        [choice for _, choice in sorted(texts.items())],
        usage=openai_usage(usage),
        model=items[0].get("model") if items else None,
        chunks=len(view.items) if view.streaming else None,
    )


# Together says "completion.chunk", vLLM and OpenAI "text_completion".
_OBJECTS = frozenset({"text_completion", "completion.chunk", "completion"})


def _matches(view: RecordingView) -> bool:
    items = view.items
    return bool(items) and (
        view.type_names == {"Completion"}
        or all(isinstance(item, dict) and item.get("object") in _OBJECTS for item in items)
    )


FORMAT = ResponseFormat("openai-completion", _matches, reassemble)
