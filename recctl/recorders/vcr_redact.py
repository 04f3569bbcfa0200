"""A cassette with its secrets replaced in place: every other byte as it was.

Each value that holds a secret is edited where it stands in the file: a plain, quoted or
block scalar has the key replaced in its text; a ``!!binary`` body is decoded (base64, then
its Content-Encoding), redacted, encoded again and written back as VCR.py writes binary
bodies; a response whose body changed length gets a matching ``Content-Length``, so that
replay reads the whole body. A key split across a stream's events is cut where it began.
The result is parsed again and must equal the original with exactly those values changed,
else nothing is written.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import yaml

from recctl import bodies
from recctl.files import LoadError
from recctl.locate import segments, value_at
from recctl.masking import replacer
from recctl.recorders.base import Fixture
from recctl.recorders.vcr import pairs
from recctl.recorders.vcr_edit import gzipped_like, rewritten
from recctl.recorders.yaml_source import BINARY_TAG, Source, scalars
from recctl.secrets import Secret, placeholder


def _cut_pieces(text: str, found: Sequence[Secret]) -> str:
    """``text`` (a stream's body) with each split key cut: the placeholder where its first
    piece stood, its later pieces removed, each found after the one before."""
    for secret in found:
        if not secret.pieces:
            continue
        position = text.find(secret.pieces[0])
        if position < 0:
            continue
        first = secret.pieces[0]
        text = text[:position] + placeholder(secret.kind) + text[position + len(first) :]
        position += len(placeholder(secret.kind))
        for piece in secret.pieces[1:]:
            at = text.find(piece, position)
            if at < 0 or not piece:
                continue
            text = text[:at] + text[at + len(piece) :]
            position = at
    return text


def _message_headers(data: Any, pointer: str) -> Any:
    """The headers of the request or response a body pointer lies in."""
    for base, request, response in pairs(data):
        if pointer.startswith(f"{base}/request/"):
            return request.get("headers") if isinstance(request, dict) else None
        if pointer.startswith(f"{base}/response/"):
            return response.get("headers") if isinstance(response, dict) else None
    return None


def _binary_block(node: yaml.ScalarNode, text: str, content: bytes) -> str:
    """``content`` as VCR.py writes a binary body: ``!!binary |`` and base64 lines, at the
    indentation the original used."""
    original = text[node.start_mark.index : node.end_mark.index]
    lines = original.split("\n")
    body_lines = [line for line in lines[1:] if line.strip()]
    indent = (
        body_lines[0][: len(body_lines[0]) - len(body_lines[0].lstrip())]
        if body_lines
        else " " * (node.start_mark.column + 2)
    )
    encoded = base64.encodebytes(content).decode("ascii")
    head = lines[0]
    return head + "\n" + "".join(f"{indent}{line}\n" for line in encoded.splitlines())


def _set(data: Any, pointer: str, value: Any) -> None:
    parent, _, last = pointer.rpartition("/")
    target = value_at(data, parent)
    (key,) = segments(f"/{last}")
    target[int(key) if isinstance(target, list) else key] = value


def _content_length(data: Any, body_pointer: str) -> tuple[str, str] | None:
    """(pointer, value) of the Content-Length header of the response a body lies in."""
    for base, _, response in pairs(data):
        if not body_pointer.startswith(f"{base}/response/") or not isinstance(response, dict):
            continue
        headers = response.get("headers")
        if not isinstance(headers, dict):
            return None
        for name, value in headers.items():
            if isinstance(name, str) and name.lower() == "content-length":
                if isinstance(value, list) and value and isinstance(value[0], str):
                    return f"{base}/response/headers/{name}/0", value[0]
                if isinstance(value, str):
                    return f"{base}/response/headers/{name}", value
    return None


def _edit_text(span: str, old: str, new: str, found: Sequence[Secret]) -> str | None:
    """A flow or block scalar's text with the secrets replaced where they stand, or None
    when one is not written literally (escaped, or folded across lines)."""
    edited = _cut_pieces(span, [secret for secret in found if secret.pieces])
    for secret in sorted(found, key=lambda secret: -len(secret.value)):
        for form in dict.fromkeys((secret.value, quote(secret.value, safe=""))):
            if form and form in old and not secret.pieces:
                if form not in edited:
                    return None
                edited = edited.replace(form, placeholder(secret.kind))
    for secret in found:
        for piece in secret.pieces:
            if piece and piece in old and piece not in new and piece in edited:
                return None
    return edited


def redacted(fixture: Fixture, found: Sequence[Secret]) -> bytes:
    parsed = fixture.source
    source: Source | None = parsed.source
    if source is None or source.root is None:
        return _redacted_json(fixture, found)
    text = source.text
    change = replacer(found)
    split = [secret for secret in found if secret.pieces]
    expected = copy.deepcopy(fixture.data)
    expected_changes: list[tuple[str, Any]] = []
    edits: list[tuple[int, int, str]] = []
    lengths: list[tuple[str, int, int]] = []
    for node, pointer, is_key in scalars(source.root):
        start, end = node.start_mark.index, node.end_mark.index
        if node.tag == BINARY_TAG:
            try:
                raw = base64.decodebytes(node.value.encode("ascii"))
            except (binascii.Error, ValueError):
                continue
            headers = _message_headers(fixture.data, pointer)
            try:
                plain, chain = bodies.undone(raw, headers)
            except bodies.BodyError:
                plain, chain = raw, []
            decoded = plain.decode("utf-8", "surrogateescape")
            new = change(_cut_pieces(decoded, split) if split else decoded)
            if new == decoded:
                continue
            content = new.encode("utf-8", "surrogateescape")
            for encoding in chain:
                content = bodies.compress(content, encoding, raw)
            edits.append((start, end, _binary_block(node, text, content)))
            expected_changes.append((pointer, content))
            lengths.append((pointer, len(raw), len(content)))
            continue
        old = node.value
        new = change(_cut_pieces(old, split) if split else old)
        if new == old:
            continue
        if is_key:
            raise LoadError("a secret stands in a key of the cassette: redact it by hand")
        span = text[start:end]
        edited = _edit_text(span, old, new, found)
        if edited is None:
            if node.style in ("|", ">"):
                raise LoadError(f"cannot redact {pointer} in place: edit it by hand")
            import json

            edited = json.dumps(new)  # a double-quoted YAML scalar, on one line
        edits.append((start, end, edited))
        expected_changes.append((pointer, new))
        lengths.append((pointer, len(old.encode("utf-8")), len(new.encode("utf-8"))))
    if not edits:
        return fixture.raw
    taken = {start for start, _, _ in edits}
    for pointer, before, after in lengths:
        header = _content_length(fixture.data, pointer)
        if header is None or header[1] != str(before) or before == after:
            continue
        length = source.node_at(header[0])
        if isinstance(length, yaml.ScalarNode) and length.start_mark.index not in taken:
            start, end = length.start_mark.index, length.end_mark.index
            edits.append((start, end, text[start:end].replace(str(before), str(after))))
            expected_changes.append((header[0], str(after)))
    for pointer, value in expected_changes:
        _set(expected, pointer, value)
    return rewritten(fixture, text, edits, expected, "its secrets")


def _redacted_json(fixture: Fixture, found: Sequence[Secret]) -> bytes:
    """A cassette in VCR.py's JSON serializer: each secret replaced in its JSON-escaped form,
    the result parsed again and compared."""
    import json

    from recctl import store
    from recctl.masking import map_strings

    text = fixture.source.text.decode("utf-8")
    for secret in sorted(found, key=lambda secret: -len(secret.value)):
        escaped = json.dumps(secret.value)[1:-1]
        text = text.replace(escaped, placeholder(secret.kind))
    content = text.encode("utf-8")
    if store.parse_exact(content) != map_strings(fixture.data, replacer(found)):
        raise LoadError("the redacted cassette would not load as the original less its secrets")
    return gzipped_like(content, fixture.raw) if fixture.source.gzipped else content
