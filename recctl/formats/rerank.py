"""Reranking (``/rerank``, ``/v1/rerank``, ``/ranking``): a query scored against documents.

Bodies seen across providers: ``{"results": [{"index", "relevance_score", "document"}],
"usage": {"prompt_tokens", "total_tokens"}}`` (vLLM, Jina, Together), Cohere's ``results``
with ``meta.billed_units`` (search units, no tokens), NVIDIA's ``{"rankings": [{"index",
"logit"}]}``. The answer is the ranking; usage only as reported.
"""

from __future__ import annotations

from typing import Any

from recctl.formats.base import Reassembled, RecordingView, ResponseFormat, Usage, count, get
from recctl.formats.exception import http_error


def _ranking(body: dict[str, Any]) -> list[dict[str, Any]]:
    ranked = []
    for item in body.get("results") or body.get("rankings") or body.get("data") or []:
        if not isinstance(item, dict):
            continue
        score = item.get("relevance_score", item.get("score", item.get("logit")))
        document = item.get("document")
        text = document.get("text") if isinstance(document, dict) else document
        ranked.append({"index": item.get("index"), "score": score, "document": text})
    return ranked


def reassemble(view: RecordingView) -> Reassembled:
    body = view.items[0] if view.items else None
    error = http_error(view)
    if error is not None or not isinstance(body, dict):
        return Reassembled("rerank", error=error, data=body)
    reported = body.get("usage")
    usage: dict[str, Any] = reported if isinstance(reported, dict) else {}
    ranking = _ranking(body)
    lines = [f"{item['index']}: {item['score']}" for item in ranking]
    return Reassembled(
        "rerank",
        text="\n".join(lines) if lines else None,
        usage=Usage(
            prompt_tokens=count(usage.get("prompt_tokens", usage.get("input_tokens"))),
            total_tokens=count(usage.get("total_tokens")),
        ),
        model=body.get("model") if isinstance(body.get("model"), str) else None,
        data={"ranking": ranking, "billed": get(body, "meta", "billed_units")},
    )


FORMAT = ResponseFormat(
    "rerank", lambda view: view.path_ends("/rerank", "/reranking", "/ranking"), reassemble
)
