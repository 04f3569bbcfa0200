"""Recorded provider exceptions (``is_exception``) and error bodies of raw HTTP calls."""

from __future__ import annotations

from typing import Any

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat, get


def error_message(body: Any) -> str | None:
    """The message of an error body in any of the shapes providers use."""
    for path in (("error", "message"), ("message",), ("error",), ("detail",)):
        value = get(body, *path)
        if isinstance(value, str) and value:
            return value
    return None


def http_error(view: RecordingView) -> str | None:
    """``HTTP <status>: <message>`` when a raw HTTP call's recorded answer is an error: a
    4xx or 5xx status, or an error body (Anthropic's ``{"type": "error"}``, ``{"error"}``)."""
    status = view.response.get("status")
    body = view.body
    error_body = isinstance(body, dict) and (body.get("type") == "error" or bool(body.get("error")))
    if not (isinstance(status, int) and status >= 400) and not error_body:
        return None
    return f"HTTP {status}: {error_message(body) or 'error'}"


def reassemble(view: RecordingView) -> Reassembled:
    data = view.response.get("exception_data") or {}
    kind = data.get("type") or "exception"
    status = data.get("status_code")
    message = (
        error_message(data.get("body"))
        or data.get("message")
        or view.response.get("exception_message")
        or ""
    )
    where = f" ({status})" if status is not None else ""
    return Reassembled("exception", error=f"{kind}{where}: {message}".rstrip(": "), data=data)


def _matches(view: RecordingView) -> bool:
    return bool(view.response.get("is_exception"))


FORMAT = ResponseFormat("exception", _matches, reassemble)
