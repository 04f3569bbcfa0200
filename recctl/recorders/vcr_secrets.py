"""Secrets in a VCR.py cassette, wherever a recording can leak them: the file's own text
(headers, urls, plain bodies are written as they were sent), each header's value by its
name, the url's query and user info, and every body decoded (base64, gzip and the other
content encodings, SSE), a key split across a stream's events included.

The rules are the same as for every recording (``recctl.secrets``): shaped keys anywhere,
credential-named fields by their place, placeholders never.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import orjson
import yaml

from recctl import bodies, secrets
from recctl.locate import escape_segment, lines_at
from recctl.recorders.base import Fixture
from recctl.recorders.vcr import body_value, header_items, pairs
from recctl.recorders.yaml_source import BINARY_TAG, scalars

# Headers whose value is a credential whatever their name says.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# Cookies that are bot management or load balancing, not anyone's credential.
_NOT_CREDENTIAL_COOKIES = frozenset(
    {"__cf_bm", "_cfuvid", "cf_clearance", "__cflb", "awsalb", "awsalbcors", "_dd_s"}
)


@dataclass(frozen=True)
class _Hit:
    kind: str
    value: str
    pointer: str
    line: int | None
    pieces: tuple[str, ...] = ()


class _Places:
    """Which value of the document a character offset of its text falls in, and whether
    that value is a ``!!binary`` body (its base64 text is scanned decoded, never as text:
    random base64 can spell a key's shape)."""

    def __init__(self, root: yaml.Node | None) -> None:
        spans = sorted(
            (node.start_mark.index, node.end_mark.index, pointer, node.tag == BINARY_TAG)
            for node, pointer, _ in scalars(root)
        )
        self._starts = [start for start, _, _, _ in spans]
        self._spans = spans

    def at(self, offset: int) -> tuple[str, bool]:
        """(pointer, is binary) of the value at ``offset``."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index >= 0:
            start, end, pointer, binary = self._spans[index]
            if start <= offset < end:
                return pointer, binary
        return "", False


def _where(pointer: str) -> str:
    for part, where in (
        ("/request/headers", "header"),
        ("/response/headers", "response header"),
        ("/request/uri", "url"),
        ("/request/", "body"),
        ("/response/", "response"),
    ):
        if part in pointer:
            return where
    return "file"


def _char_offsets(text: bytes, offsets: list[int]) -> dict[int, int]:
    """Each byte offset of ``text`` as the offset of its character in the text decoded
    (invalid bytes dropped), in one pass. The offsets are ascending and each starts a key:
    an ASCII byte, which no UTF-8 sequence holds, so the bytes between two of them decode
    on their own as they do within the whole."""
    chars: dict[int, int] = {}
    count, done = 0, 0
    for offset in offsets:
        count += len(text[done:offset].decode("utf-8", "ignore"))
        done = offset
        chars[offset] = count
    return chars


def _in_text(text: bytes, places: _Places, ascii_only: bool) -> Iterator[_Hit]:
    """Shaped keys anywhere in the file's text, each at its exact line."""
    # Offsets must be the text's own: nothing is unhidden (the bodies are scanned decoded).
    _, found = secrets.keys_in(text, unhidden=False, fields=False)
    offsets = sorted({item.offset for item in found if item.offset is not None})
    # Lines and characters in one pass each, not one per key (a body of thousands of keys).
    lines = lines_at(text, offsets)
    chars = None if ascii_only else _char_offsets(text, offsets)
    for item in found:
        assert item.offset is not None
        pointer, binary = places.at(item.offset if chars is None else chars[item.offset])
        if not binary:
            yield _Hit(item.kind, item.value, pointer, lines[item.offset])


def _header_values(name: str, value: str) -> Iterator[tuple[str, str]]:
    lowered = name.lower()
    if lowered in ("cookie", "set-cookie"):
        # A Set-Cookie's first pair is the cookie; what follows are its attributes.
        cookies = value.split(";")[:1] if lowered == "set-cookie" else value.split(";")
        for pair in cookies:
            cookie_name, _, cookie = pair.strip().partition("=")
            if cookie_name.strip().lower() in _NOT_CREDENTIAL_COOKIES:
                continue
            cookie = unquote(cookie.strip().strip('"'))
            if len(cookie) >= 8 and not secrets.is_placeholder(cookie):
                yield "cookie", cookie
        return
    if lowered in _CREDENTIAL_HEADERS or secrets.name_says_credential(name):
        yield from secrets.credential_values(name, value)


def _body_text(stored: Any, headers: Any, where: str, limit: int) -> bytes | None:
    """A body's decoded bytes, as secrets are looked for in it."""
    if where == "/parsed_body":
        return orjson.dumps(stored) if stored is not None else None
    if isinstance(stored, str):
        return stored.encode("utf-8", "surrogatepass")
    if isinstance(stored, bytes):
        try:
            return bodies.decoded_bytes(stored, headers, limit)
        except bodies.BodyError:
            return stored
    return None


def _in_body(data: bytes, pointer: str, line: int | None, block: bool) -> Iterator[_Hit]:
    """Keys in a decoded body: shaped ones and credential-named JSON fields (an SSE event's
    too); in a literal block, at the line they stand on."""
    view, found = secrets.keys_in(data)
    block_lines = (
        lines_at(view, [item.offset for item in found if item.offset is not None])
        if block and line is not None
        else {}
    )
    for item in found:
        at = line
        if line is not None and item.offset in block_lines:
            at = line + block_lines[item.offset]  # the block starts on the line after
        yield _Hit(item.kind, item.value, pointer, at)


def scan(fixture: Fixture, salt: str | None) -> list[secrets.Secret]:
    """Every secret of one cassette, once per value and place."""
    parsed = fixture.source
    text: bytes = parsed.text
    source = parsed.source
    places = _Places(source.root if source is not None else None)
    hits: list[_Hit] = list(_in_text(text, places, text.isascii()))
    limit = len(fixture.raw) * 64 + 2**20
    for base, request, response in pairs(fixture.data):
        for side, message in (("request", request), ("response", response)):
            if not isinstance(message, dict):
                continue
            headers = message.get("headers") or {}
            for name, index, value in header_items(headers):
                at = f"{base}/{side}/headers/{escape_segment(name)}"
                at += "" if index is None else f"/{index}"
                for kind, secret in _header_values(name, value):
                    hits.append(_Hit(kind, secret, at, None))
            where, stored = body_value(message)
            data = _body_text(stored, headers, where, limit)
            if data:
                at = f"{base}/{side}{where}"
                node = source.node_at(at) if source is not None else None
                line = node.start_mark.line + 1 if node is not None else None
                block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
                hits += _in_body(data, at, line, block and not isinstance(stored, bytes))
        uri = request.get("uri") if isinstance(request, dict) else None
        if isinstance(uri, str):
            hits += [
                _Hit(item.kind, item.value, f"{base}/request/uri", None)
                for item in secrets.url_credentials(uri)
            ]
    interactions = zip(fixture.interactions, pairs(fixture.data), strict=True)
    for interaction, (_, _, response) in interactions:
        where = body_value(response)[0] or "/body/string"
        hits += _split_keys(interaction.view, f"{interaction.pointer}/response{where}")
    return _secrets(hits, fixture, salt)


def _split_keys(view: Any, at: str) -> Iterator[_Hit]:
    """Keys a stream spread over several events, named at the body that holds them."""
    response = view.get("response") if isinstance(view, dict) else None
    if not isinstance(response, dict) or not response.get("is_streaming"):
        return
    body = response.get("body")
    if not isinstance(body, list):
        return
    for item in secrets.stream_split_keys({"response": {"body": body}}):
        yield _Hit(item.kind, item.value, at, None, item.pieces)


def _secrets(hits: list[_Hit], fixture: Fixture, salt: str | None) -> list[secrets.Secret]:
    # The first chunk of a split key can hold enough of it to match on its own: the whole
    # key stands for it.
    whole = [hit.value for hit in hits if hit.pieces]
    if whole:
        hits = [hit for hit in hits if hit.pieces or not any(hit.value in v for v in whole)]
    missing = {hit.pointer for hit in hits if hit.line is None}
    lines = fixture.recorder.positions(fixture, missing) if missing else {}
    gathered = secrets.Gathered(salt)
    for hit in hits:
        line = hit.line if hit.line is not None else lines.get(hit.pointer, (None, None))[0]
        gathered.add(hit.kind, _where(hit.pointer), hit.pointer, hit.value, line, False, hit.pieces)
    return gathered.secrets()
