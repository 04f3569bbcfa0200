"""OpenAI chat completions: streams of ChatCompletionChunk, and ChatCompletion bodies.

The bulk of every corpus, from OpenAI, Azure, watsonx, Ollama's and vLLM's OpenAI APIs and
Bedrock. The rules follow shared/docs/stream-formats.md; each one is there because a real
file needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from recctl.formats.base import (
    Choice,
    Reassembled,
    RecordingView,
    ResponseFormat,
    ToolCall,
    Usage,
    append,
    count,
    get,
)
from recctl.urls import url_host

CHUNK = "chat.completion.chunk"
# Bedrock's gpt-oss streams its reasoning inline, one <reasoning> pair per chunk.
_INLINE_REASONING = re.compile(r"<reasoning>(.*?)</reasoning>", re.DOTALL)


def openai_usage(usage: Any) -> Usage:
    """OpenAI's CompletionUsage (also used by the legacy completion and embedding types)."""
    if not isinstance(usage, dict):
        return Usage()
    cached = get(usage, "prompt_tokens_details", "cached_tokens")
    return Usage(
        prompt_tokens=count(usage.get("prompt_tokens")),
        completion_tokens=count(usage.get("completion_tokens")),
        total_tokens=count(usage.get("total_tokens")),
        cached_tokens=count(cached if cached is not None else usage.get("cached_tokens")),
        reasoning_tokens=count(get(usage, "completion_tokens_details", "reasoning_tokens")),
    )


@dataclass
class _ToolCallState:
    id: str | None = None
    type: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass
class _ChoiceState:
    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None
    tools: dict[int, _ToolCallState] = field(default_factory=dict)

    def add(self, choice: dict[str, Any]) -> None:
        delta = choice.get("delta") or {}
        if self.role is None and isinstance(delta.get("role"), str):
            self.role = delta["role"]  # the first one: Ollama repeats it in every chunk
        self.content = append(self.content, delta.get("content"))
        self.refusal = append(self.refusal, delta.get("refusal"))
        # vLLM sends both fields with the same text: take one, never both.
        reasoning = delta.get("reasoning")
        self.reasoning = append(
            self.reasoning, reasoning if reasoning is not None else delta.get("reasoning_content")
        )
        for fragment in delta.get("tool_calls") or []:
            if isinstance(fragment, dict):
                self._add_tool_fragment(fragment)
        if choice.get("finish_reason") is not None:
            self.finish_reason = choice["finish_reason"]

    def _add_tool_fragment(self, fragment: dict[str, Any]) -> None:
        index = fragment.get("index")
        state = self.tools.setdefault(index if isinstance(index, int) else 0, _ToolCallState())
        # First non-empty wins: continuation fragments carry null ids, types and "" names.
        if not state.id and fragment.get("id"):
            state.id = fragment["id"]
        if state.type is None and fragment.get("type") is not None:
            state.type = fragment["type"]
        function = fragment.get("function") or {}
        if not state.name and function.get("name"):
            state.name = function["name"]
        arguments = function.get("arguments")
        state.arguments += arguments if isinstance(arguments, str) else ""

    def choice(self, index: int, inline_reasoning: bool) -> Choice:
        text, reasoning = self.content, self.reasoning
        if inline_reasoning:
            text, reasoning = split_inline_reasoning(text, reasoning)
        calls = [
            ToolCall(tool.id, tool.type or "function", tool.name, tool.arguments)
            for _, tool in sorted(self.tools.items())
        ]
        return Choice(index, self.role, text, reasoning, self.refusal, calls, self.finish_reason)


def streams_inline_reasoning(view: RecordingView, model: Any) -> bool:
    """Only Bedrock's gpt-oss puts its reasoning in the text as ``<reasoning>`` pairs; an
    answer of any other model that quotes the tag keeps it."""
    host = url_host(str(view.request.get("url") or "")) or ""
    models = (model, view.request.get("model"), get(view.request, "body", "model"))
    return "bedrock" in host and any(isinstance(m, str) and "gpt-oss" in m for m in models)


def split_inline_reasoning(
    text: str | None, reasoning: str | None
) -> tuple[str | None, str | None]:
    """Move ``<reasoning>…</reasoning>`` pairs out of the text into the reasoning."""
    if text is None or "<reasoning>" not in text:
        return text, reasoning
    inline = "".join(_INLINE_REASONING.findall(text))
    return _INLINE_REASONING.sub("", text), (reasoning or "") + inline


def reassemble_stream(view: RecordingView) -> Reassembled:
    # Skip chunks of other kinds (Azure's first chunk has object "" and no choices).
    chunks = [item for item in view.items if isinstance(item, dict) and item.get("object") == CHUNK]
    states: dict[int, _ChoiceState] = {}
    usage: Any = None
    for chunk in chunks:
        if chunk.get("usage") is not None:
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict):
                index = choice.get("index")
                states.setdefault(index if isinstance(index, int) else 0, _ChoiceState()).add(
                    choice
                )
    model = chunks[0].get("model") if chunks else None
    inline = streams_inline_reasoning(view, model)
    choices = [state.choice(index, inline) for index, state in sorted(states.items())]
    return Reassembled.from_choices(
        "openai-chat-stream",
        choices,
        usage=openai_usage(usage),
        model=model,
        chunks=len(view.items),
    )


def reassemble_body(view: RecordingView) -> Reassembled:
    body = view.items[0]
    inline = streams_inline_reasoning(view, body.get("model"))
    choices = []
    for choice in body.get("choices") or []:
        message = choice.get("message") or {}
        reasoning = message.get("reasoning")
        if reasoning is None:
            reasoning = message.get("reasoning_content")
        text = message.get("content")
        if inline:
            text, reasoning = split_inline_reasoning(text, reasoning)
        calls = [
            ToolCall(
                call.get("id"),
                call.get("type") or "function",
                get(call, "function", "name"),
                get(call, "function", "arguments") or "",
            )
            for call in message.get("tool_calls") or []
            if isinstance(call, dict)
        ]
        choices.append(
            Choice(
                choice.get("index", 0),
                message.get("role"),
                text,
                reasoning,
                message.get("refusal"),
                calls,
                choice.get("finish_reason"),
            )
        )
    return Reassembled.from_choices(
        "openai-chat", choices, usage=openai_usage(body.get("usage")), model=body.get("model")
    )


def _is_stream(view: RecordingView) -> bool:
    return view.streaming and any(
        isinstance(item, dict) and item.get("object") == CHUNK for item in view.items
    )


def _is_body(view: RecordingView) -> bool:
    body = view.items[0] if view.items and not view.streaming else None
    return isinstance(body, dict) and (
        body.get("object") == "chat.completion" or "ChatCompletion" in view.type_names
    )


STREAM = ResponseFormat("openai-chat-stream", _is_stream, reassemble_stream)
BODY = ResponseFormat("openai-chat", _is_body, reassemble_body)
