"""Ollama's progress streams (``/api/pull``, ``/api/push``, ``/api/create``): status lines,
some with a layer's ``digest``, ``total`` and ``completed`` bytes, ending in ``success``."""

from __future__ import annotations

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat


def reassemble(view: RecordingView) -> Reassembled:
    events = [item for item in view.items if isinstance(item, dict)]
    statuses: list[str] = []
    layers: dict[str, int | None] = {}
    error = None
    for event in events:
        status = event.get("status")
        if isinstance(status, str) and (not statuses or statuses[-1] != status):
            statuses.append(status)
        digest = event.get("digest")
        if isinstance(digest, str):
            total = event.get("total")
            layers[digest] = total if isinstance(total, int) else layers.get(digest)
        if isinstance(event.get("error"), str):
            error = event["error"]
    return Reassembled(
        "ollama-progress",
        text="\n".join(statuses) if statuses else None,
        finish_reason=statuses[-1] if statuses else None,
        chunks=len(events),
        error=error,
        data={"layers": layers} if layers else None,
    )


FORMAT = ResponseFormat(
    "ollama-progress",
    lambda view: view.path_ends("/api/pull", "/api/push", "/api/create"),
    reassemble,
)
