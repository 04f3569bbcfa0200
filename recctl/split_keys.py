"""Keys a stream split across its chunks, cut out where each piece stands.

A key streamed a few characters a chunk is whole only in the reassembled answer: replacing
it by search in each chunk finds nothing, and whatever reassembles the chunks later (show,
ls, diff, a provider SDK) would put it back together. Cutting it positionally, the
replacement in the chunk where the key began and nothing in the others, leaves every
reassembly of the result without it: ``redact`` writes a placeholder there, the masker of
everything shown writes the mask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from recctl.masking import map_strings
from recctl.secrets import Piece, Secret, sse_data, stream_pieces


def cut_split_keys(
    body: list[Any], found: Sequence[Secret], replacement: Callable[[Secret], str]
) -> list[Any]:
    """A copy of a stream's chunks with each split key cut out: its first chunk holds the
    ``replacement`` where the key began, the chunks after it lose their part of the key."""
    split = [secret for secret in found if secret.pieces]
    if not split:
        return body
    body = list(body)
    parsed: dict[int, Any] = {}
    for pieces in stream_pieces(body).values():
        text = "".join(piece for _, _, piece in pieces)
        for secret in split:
            start = text.find(secret.value)
            while start != -1:
                end = start + len(secret.value)
                _cut(body, parsed, pieces, start, end, replacement(secret))
                text = text[:start] + replacement(secret) + text[end:]
                pieces = _recount(pieces, body, parsed)
                start = text.find(secret.value)
    for index, document in parsed.items():
        body[index] = _sse_with(body[index], document)
    return body


def _cut(
    body: list[Any],
    parsed: dict[int, Any],
    pieces: list[Piece],
    start: int,
    end: int,
    replacement: str,
) -> None:
    """Replace characters ``start:end`` of the joined text of ``pieces`` in the chunks."""
    position = 0
    placed = False
    for index, place, text in pieces:
        piece_start, piece_end = position, position + len(text)
        position = piece_end
        if piece_end <= start or piece_start >= end:
            continue
        keep_head = text[: max(0, start - piece_start)]
        keep_tail = text[max(0, end - piece_start) :] if end < piece_end else ""
        new = keep_head + ("" if placed else replacement) + keep_tail
        placed = True
        _set(body, parsed, index, place, new)


def _chunk_root(body: list[Any], parsed: dict[int, Any], index: int) -> Any:
    if isinstance(body[index], str):
        if index not in parsed:
            parsed[index] = sse_data(body[index])
        return parsed[index]
    if not isinstance(body[index], dict):
        return body[index]
    body[index] = map_strings(body[index], lambda text: text)  # a copy to change
    return body[index]


def _set(
    body: list[Any], parsed: dict[int, Any], index: int, place: tuple[Any, ...], text: str
) -> None:
    node = parsed[index] if index in parsed else _chunk_root(body, parsed, index)
    for step in place[:-1]:
        node = node[step]
    node[place[-1]] = text


def _recount(pieces: list[Piece], body: list[Any], parsed: dict[int, Any]) -> list[Piece]:
    """The pieces as the chunks hold them now."""
    fresh = []
    for index, place, _ in pieces:
        node = parsed[index] if index in parsed else body[index]
        for step in place:
            node = node[step]
        fresh.append((index, place, node))
    return fresh


def _sse_with(line: str, document: Any) -> str:
    """An SSE line with its ``data:`` JSON replaced, in the compact form providers send."""
    import json

    lines = line.splitlines()
    for position, part in enumerate(lines):
        if part.startswith("data:"):
            lines[position] = "data: " + json.dumps(document, separators=(",", ":"))
    return "\n".join(lines)
