"""File-processor results (``ProcessFileResponse``): the chunks a file was cut into."""

from __future__ import annotations

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat


def reassemble(view: RecordingView) -> Reassembled:
    result = view.items[0] if view.items else None
    result = result if isinstance(result, dict) else {}
    chunks = [chunk for chunk in result.get("chunks") or [] if isinstance(chunk, dict)]
    texts = [chunk["content"] for chunk in chunks if isinstance(chunk.get("content"), str)]
    return Reassembled(
        "file-processor",
        text="\n\n".join(texts) if texts else None,
        data={"chunks": len(chunks), "metadata": result.get("metadata")},
    )


def _matches(view: RecordingView) -> bool:
    return "file_id" in view.request


FORMAT = ResponseFormat("file-processor", _matches, reassemble)
