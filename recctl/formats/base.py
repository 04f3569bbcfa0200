"""What every response format turns a recording into, and helpers they share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from recctl.urls import url_path


@dataclass(frozen=True)
class Usage:
    """Token counts in one contract for every provider; each None when the provider did not
    report it (never an invented 0).

    - ``prompt_tokens``: every input token, cached and cache-written included (and tool-use
      prompts where a provider counts them apart).
    - ``cached_tokens``: the input tokens read from a cache (inside ``prompt_tokens``).
    - ``completion_tokens``: every output token, reasoning included.
    - ``reasoning_tokens``: the output tokens spent on reasoning (inside
      ``completion_tokens``).
    - ``total_tokens``: only as the provider reported it, never summed here.
    """

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cached_tokens: int | None = None
    """Prompt-side tokens served from a cache."""
    reasoning_tokens: int | None = None
    """Completion-side tokens spent on reasoning (already inside completion_tokens)."""

    @property
    def reported(self) -> bool:
        return any(value is not None for value in asdict(self).values())


@dataclass(frozen=True)
class ToolCall:
    id: str | None
    type: str | None
    name: str | None
    arguments: str


@dataclass
class Choice:
    """One choice of an answer; most answers have exactly one."""

    index: int = 0
    role: str | None = None
    text: str | None = None
    reasoning: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None


@dataclass
class Reassembled:
    """One recording's answer as a person reads it, whatever the provider's format."""

    format: str
    text: str | None = None
    reasoning: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    choices: list[Choice] = field(default_factory=list)
    """Every choice, when there are several (the fields above are the first one's)."""
    model: str | None = None
    chunks: int | None = None
    data: Any = None
    """A structured view of what is not a message: listings, tool results, unknown bodies."""

    @property
    def stop_kind(self) -> str | None:
        """``finish_reason`` in one vocabulary (see ``stop_kind``)."""
        return stop_kind(self.finish_reason, bool(self.tool_calls))

    @classmethod
    def from_choices(cls, format: str, choices: list[Choice], **fields: Any) -> Reassembled:
        first = choices[0] if choices else Choice()
        return cls(
            format=format,
            text=first.text,
            reasoning=first.reasoning,
            refusal=first.refusal,
            tool_calls=first.tool_calls,
            finish_reason=first.finish_reason,
            choices=choices if len(choices) > 1 else [],
            **fields,
        )


@dataclass(frozen=True)
class RecordingView:
    """The parts of a recording that formats look at."""

    data: Mapping[str, Any]

    @property
    def request(self) -> Mapping[str, Any]:
        request = self.data.get("request")
        return request if isinstance(request, Mapping) else {}

    @property
    def response(self) -> Mapping[str, Any]:
        response = self.data.get("response")
        return response if isinstance(response, Mapping) else {}

    @property
    def body(self) -> Any:
        return self.response.get("body")

    @property
    def streaming(self) -> bool:
        return bool(self.response.get("is_streaming"))

    @property
    def url_path(self) -> str:
        return url_path(str(self.request.get("url") or ""))

    @property
    def endpoint(self) -> str:
        """The recorded endpoint, else the url's path."""
        endpoint = self.request.get("endpoint")
        return endpoint if isinstance(endpoint, str) and endpoint else self.url_path

    def path_ends(self, *suffixes: str) -> bool:
        return any(path.endswith(suffixes) for path in (self.endpoint, self.url_path))

    @property
    def items(self) -> list[Any]:
        """The body's elements, unwrapped: the chunks of a stream, or the one body."""
        body = self.body
        return [unwrap(item) for item in body] if isinstance(body, list) else [unwrap(body)]

    @property
    def type_names(self) -> set[str]:
        body = self.body
        items = body if isinstance(body, list) else [body]
        return {
            str(item["__type__"]).rsplit(".", 1)[-1]
            for item in items
            if isinstance(item, Mapping) and "__type__" in item
        }


def unwrap(value: Any) -> Any:
    """The data of a typed object ``{"__type__", "__data__"}``, or the value itself."""
    if isinstance(value, Mapping) and "__data__" in value:
        return value["__data__"]
    return value


def count(value: Any) -> int | None:
    """A token count as reported: ints only (bools and strings are not counts)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def total_of(*values: Any) -> int | None:
    """The sum of the counts that were reported; None when none was."""
    counts = [count(value) for value in values]
    reported = [value for value in counts if value is not None]
    return sum(reported) if reported else None


# Finish reasons as providers send them, by what they mean.
_STOP_KINDS = {
    "stop": (
        "stop",
        "end_turn",
        "stop_sequence",
        "completed",
        "eos",
        "complete",
        "finished",
        "success",
    ),
    "length": (
        "length",
        "max_tokens",
        "max_output_tokens",
        "incomplete",
        "model_context_window_exceeded",
    ),
    "tool_calls": ("tool_calls", "tool_use", "function_call", "requires_action"),
    "content_filter": (
        "content_filter",
        "safety",
        "recitation",
        "blocklist",
        "prohibited_content",
        "spii",
        "image_safety",
        "refusal",
    ),
    "error": ("error", "failed", "malformed_function_call", "cancelled", "canceled", "other"),
}
STOP_KIND = {reason: kind for kind, reasons in _STOP_KINDS.items() for reason in reasons}


def stop_kind(finish_reason: Any, tool_calls: bool = False) -> str | None:
    """One vocabulary for why an answer ended: stop, length, tool_calls, content_filter or
    error. A normal stop with tool calls is tool_calls (Gemini says STOP even then)."""
    if not isinstance(finish_reason, str):
        return "tool_calls" if tool_calls else None
    kind = STOP_KIND.get(finish_reason.lower())
    return "tool_calls" if kind == "stop" and tool_calls else kind


def get(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...``, or None as soon as a level is missing or null."""
    for key in keys:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def append(current: str | None, piece: Any) -> str | None:
    """Concatenate string deltas; None until a string arrives ("" when only empty ones do)."""
    if not isinstance(piece, str):
        return current
    return piece if current is None else current + piece


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sse_events(lines: list[Any]) -> Iterator[tuple[str | None, Any]]:
    """(event name, parsed data) for each server-sent event in a list of recorded lines.

    A blank line ends an event; ``data:`` lines of one event are joined with newlines; data
    that is not JSON (``[DONE]``) is given as the raw string.
    """
    event: str | None = None
    data: list[str] = []

    def flush() -> tuple[str | None, Any] | None:
        if not data and event is None:
            return None
        text = "\n".join(data)
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return event, parsed

    for line in lines:
        if isinstance(line, Mapping):
            # A recorder that decoded the stream already (VCR.py cassettes): one event each.
            yield line.get("type") if isinstance(line.get("type"), str) else None, line
            continue
        if not isinstance(line, str):
            continue
        for part in line.split("\n") if "\n" in line else [line]:
            if part == "":
                flushed = flush()
                if flushed is not None:
                    yield flushed
                event, data = None, []
            elif part.startswith("event:"):
                event = part[6:].strip()
            elif part.startswith("data:"):
                data.append(part[5:].lstrip(" "))
    flushed = flush()
    if flushed is not None:
        yield flushed


Reassembler = Callable[[RecordingView], Reassembled]


@dataclass(frozen=True)
class ResponseFormat:
    """A provider format: how to recognise it, and how to reassemble it."""

    name: str
    matches: Callable[[RecordingView], bool]
    reassemble: Reassembler

    @classmethod
    def by_streaming(
        cls,
        name: str,
        matches: Callable[[RecordingView], bool],
        stream: Reassembler,
        body: Reassembler,
    ) -> ResponseFormat:
        """A format with one reassembler for streams and one for whole bodies."""
        return cls(name, matches, lambda view: stream(view) if view.streaming else body(view))
