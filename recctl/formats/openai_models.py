"""OpenAI model listings (``/v1/models``): a list of ``Model``."""

from __future__ import annotations

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat


def reassemble(view: RecordingView) -> Reassembled:
    ids = [item.get("id") for item in view.items if isinstance(item, dict)]
    return Reassembled("openai-models", data={"models": ids})


def _matches(view: RecordingView) -> bool:
    # An empty listing ([]) is a listing too: no model served, not an unknown body.
    return view.type_names == {"Model"} or (
        isinstance(view.body, list)
        and view.path_ends("/models")
        and all(isinstance(item, dict) and item.get("object") == "model" for item in view.items)
    )


FORMAT = ResponseFormat("openai-models", _matches, reassemble)
