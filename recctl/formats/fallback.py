"""Anything no other format claims: the body as structured data, never an error."""

from __future__ import annotations

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat
from recctl.formats.exception import error_message


def reassemble(view: RecordingView) -> Reassembled:
    status = view.response.get("status")
    error = None
    if isinstance(status, int) and status >= 400:
        error = f"HTTP {status}: {error_message(view.body) or 'error'}"
    items = view.items
    return Reassembled(
        "unknown",
        error=error,
        chunks=len(items) if view.streaming else None,
        data=items if view.streaming else view.body,
    )


FORMAT = ResponseFormat("unknown", lambda view: True, reassemble)
