"""The registry of response formats, tried in order; the first that matches reassembles.

Adding a provider is one module here that defines a ResponseFormat, and one line below.
Order matters where formats overlap: what the request says (an exception, a tool, a file)
comes before the endpoint, which comes before the shape of the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recctl.formats import (
    anthropic,
    bedrock,
    cohere,
    exception,
    fallback,
    file_processor,
    gemini,
    gemini_interactions,
    ollama,
    ollama_progress,
    openai_chat,
    openai_completion,
    openai_embeddings,
    openai_models,
    openai_responses,
    rerank,
    tools,
)
from recctl.formats.base import (
    Choice,
    Reassembled,
    RecordingView,
    ResponseFormat,
    ToolCall,
    Usage,
)

FORMATS: tuple[ResponseFormat, ...] = (
    exception.FORMAT,
    tools.FORMAT,
    file_processor.FORMAT,
    anthropic.FORMAT,
    bedrock.FORMAT,
    cohere.FORMAT,
    gemini_interactions.FORMAT,
    gemini.FORMAT,
    ollama.MESSAGE,
    ollama.LISTING,
    ollama_progress.FORMAT,
    rerank.FORMAT,
    openai_responses.FORMAT,
    # The chunks' object decides, not the endpoint: one real /v1/completions file holds a
    # chat stream.
    openai_chat.STREAM,
    openai_chat.BODY,
    openai_completion.FORMAT,
    openai_embeddings.FORMAT,
    openai_models.FORMAT,
    fallback.FORMAT,
)


def reassemble(data: Mapping[str, Any]) -> Reassembled:
    """The answer of one recording, by the first format that claims it.

    A format that fails on a malformed body hands over to the structured fallback: showing a
    recording never raises.
    """
    view = RecordingView(data)
    for response_format in FORMATS:
        try:
            if response_format.matches(view):
                return response_format.reassemble(view)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError) as error:
            result = fallback.reassemble(view)
            result.error = result.error or f"cannot read as {response_format.name}: {error}"
            return result
    return fallback.reassemble(view)


__all__ = [
    "FORMATS",
    "Choice",
    "Reassembled",
    "RecordingView",
    "ResponseFormat",
    "ToolCall",
    "Usage",
    "reassemble",
]
