"""OpenAI embeddings (``CreateEmbeddingResponse``): usage, and the vectors' shape."""

from __future__ import annotations

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat, Usage, count


def reassemble(view: RecordingView) -> Reassembled:
    body = view.items[0]
    vectors = [item.get("embedding") for item in body.get("data") or [] if isinstance(item, dict)]
    usage = body.get("usage") or {}
    dimensions = sorted({len(vector) for vector in vectors if isinstance(vector, list)})
    return Reassembled(
        "openai-embeddings",
        usage=Usage(
            prompt_tokens=count(usage.get("prompt_tokens")),
            total_tokens=count(usage.get("total_tokens")),
        ),
        model=body.get("model"),
        data={"embeddings": len(vectors), "dimensions": dimensions},
    )


def _matches(view: RecordingView) -> bool:
    body = view.items[0] if view.items and not view.streaming else None
    return isinstance(body, dict) and (
        "CreateEmbeddingResponse" in view.type_names
        or (body.get("object") == "list" and view.path_ends("/embeddings"))
    )


FORMAT = ResponseFormat("openai-embeddings", _matches, reassemble)
