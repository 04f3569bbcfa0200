"""Anything no other format claims: the body as structured data, never an error."""

from __future__ import annotations

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat
from recctl.formats.exception import http_error


def reassemble(view: RecordingView) -> Reassembled:
    error = http_error(view) if "status" in view.response else None
    items = view.items
    return Reassembled(
        "unknown",
        error=error,
        chunks=len(items) if view.streaming else None,
        data=items if view.streaming else view.body,
    )


FORMAT = ResponseFormat("unknown", lambda view: True, reassemble)
