"""Tool invocations (``ToolInvocationResult``): the tool's output, or its error."""

from __future__ import annotations

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat, compact_json


def reassemble(view: RecordingView) -> Reassembled:
    result = view.items[0] if view.items else None
    result = result if isinstance(result, dict) else {}
    content = result.get("content")
    text = content if isinstance(content, str) or content is None else compact_json(content)
    error = result.get("error_message")
    if error is not None and result.get("error_code") is not None:
        error = f"{error} (code {result['error_code']})"
    return Reassembled("tool-invocation", text=text, error=error, data=result.get("metadata"))


def _matches(view: RecordingView) -> bool:
    return "tool_name" in view.request


FORMAT = ResponseFormat("tool-invocation", _matches, reassemble)
