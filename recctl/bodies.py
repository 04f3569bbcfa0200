"""Decoding of recorded HTTP bodies, in one place for every recorder: content encodings
(gzip, deflate, br, zstd), charsets, server-sent events, JSON-array streams and AWS
event-stream frames.

Every step is bounded: a decompressed body may not grow past the file size limit (a
gzip bomb ends as an error, not an exhausted memory), and every failure is a ``BodyError``
that says what could not be decoded.
"""

from __future__ import annotations

import binascii
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from recctl.files import DEFAULT_MAX_FILE_SIZE


class BodyError(Exception):
    """A body that cannot be decoded as its headers say."""


def header(headers: Any, name: str) -> str | None:
    """The first value of a header, whatever the case of its name; recorders store a list
    of values per name (VCR.py) or one string."""
    if not isinstance(headers, Mapping):
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            return value if isinstance(value, str) else None
    return None


def media_type(headers: Any) -> str:
    """The Content-Type without its parameters, lowercased ("" when absent)."""
    value = header(headers, "content-type") or ""
    return value.split(";", 1)[0].strip().lower()


def charset(headers: Any) -> str:
    value = header(headers, "content-type") or ""
    for part in value.split(";")[1:]:
        name, _, given = part.strip().partition("=")
        if name.lower() == "charset" and given:
            return given.strip('"').lower()
    return "utf-8"


def _inflate(data: bytes, wbits: int, limit: int, what: str) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as error:
        raise BodyError(f"{what} body is damaged: {error}") from None
    if len(out) > limit:
        raise BodyError(f"{what} body expands past the {limit // 2**20} MiB limit")
    if not decompressor.eof:
        raise BodyError(f"{what} body is truncated")
    return out


def _brotli(data: bytes, limit: int) -> bytes:
    import brotli

    decompressor = brotli.Decompressor()
    try:
        out = decompressor.process(data, output_buffer_limit=limit + 1)
    except TypeError:  # brotli < 1.2 has no output limit: the size check comes after
        out = decompressor.process(data)
    except brotli.error as error:
        raise BodyError(f"br body is damaged: {error}") from None
    if len(out) > limit:
        raise BodyError(f"br body expands past the {limit // 2**20} MiB limit")
    if not decompressor.is_finished():
        raise BodyError("br body is truncated")
    return bytes(out)


def _zstd(data: bytes, limit: int) -> bytes:
    import zstandard

    decompressor = zstandard.ZstdDecompressor().decompressobj()
    try:
        out = decompressor.decompress(data[: limit + 1])
    except zstandard.ZstdError as error:
        raise BodyError(f"zstd body is damaged: {error}") from None
    if len(out) > limit:
        raise BodyError(f"zstd body expands past the {limit // 2**20} MiB limit")
    if not decompressor.eof:
        raise BodyError("zstd body is truncated")
    return out


def decompress(data: bytes, encoding: str, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """``data`` decoded by one Content-Encoding; BodyError when it is damaged, truncated or
    grows past ``limit``."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return data
    if name in ("gzip", "x-gzip"):
        return _inflate(data, 16 + zlib.MAX_WBITS, limit, "gzip")
    if name == "deflate":
        # Servers send zlib-wrapped deflate, some raw deflate: try the standard one first.
        try:
            return _inflate(data, zlib.MAX_WBITS, limit, "deflate")
        except BodyError:
            return _inflate(data, -zlib.MAX_WBITS, limit, "deflate")
    if name == "br":
        return _brotli(data, limit)
    if name == "zstd":
        return _zstd(data, limit)
    raise BodyError(f"unknown content encoding {encoding!r}")


def compress(data: bytes, encoding: str, like: bytes = b"") -> bytes:
    """``data`` encoded again by one Content-Encoding (a gzip header keeps ``like``'s
    modification time, so that only what changed changes)."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return data
    if name in ("gzip", "x-gzip"):
        import gzip

        mtime = struct.unpack("<I", like[4:8])[0] if like[:2] == b"\x1f\x8b" else 0
        return gzip.compress(data, mtime=mtime)
    if name == "deflate":
        return zlib.compress(data)
    if name == "br":
        import brotli

        return bytes(brotli.compress(data))
    if name == "zstd":
        import zstandard

        return bytes(zstandard.ZstdCompressor().compress(data))
    raise BodyError(f"unknown content encoding {encoding!r}")


def encodings(headers: Any) -> list[str]:
    """The Content-Encoding chain, in the order it was applied."""
    value = header(headers, "content-encoding") or ""
    return [part.strip() for part in value.split(",") if part.strip()]


def undone(
    data: bytes, headers: Any, limit: int = DEFAULT_MAX_FILE_SIZE
) -> tuple[bytes, list[str]]:
    """A body's bytes with its Content-Encoding chain undone (last applied, first undone),
    and the encodings that were undone, in the order they had been applied (what encodes
    the body again).

    A body whose header says gzip but which is plain already (the suite set
    ``decode_compressed_response``) is taken as it is."""
    chain = encodings(headers)
    if not chain:
        return data, []
    # A cassette's check reads each body twice (its answer, its secrets): decoded once.
    key = id(data)
    recent = _UNDONE.get(key)
    if recent is not None and recent[0] is data and recent[1] == (tuple(chain), limit):
        return recent[2], list(recent[3])
    stored = data
    applied: list[str] = []
    for encoding in reversed(chain):
        if encoding.lower() in ("gzip", "x-gzip") and data[:2] != b"\x1f\x8b":
            continue
        data = decompress(data, encoding, limit)
        applied.insert(0, encoding)
    if len(_UNDONE) >= _UNDONE_KEPT:
        del _UNDONE[next(iter(_UNDONE))]
    _UNDONE[key] = (stored, (tuple(chain), limit), data, tuple(applied))
    return data, applied


# The last bodies decoded, by the identity of their stored bytes (which each entry holds,
# so that the identity is not reused while it is kept).
_UNDONE: dict[int, tuple[bytes, tuple[tuple[str, ...], int], bytes, tuple[str, ...]]] = {}
_UNDONE_KEPT = 8


def decoded_bytes(data: bytes, headers: Any, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """A body's bytes with its Content-Encoding chain undone (see ``undone``)."""
    return undone(data, headers, limit)[0]


def text_of(data: bytes, headers: Any) -> str | None:
    """The body as text in its charset, else None (a binary body)."""
    try:
        return data.decode(charset(headers))
    except (LookupError, UnicodeDecodeError):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


# --- server-sent events ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One server-sent event: its name (``event:``) and its data, JSON-parsed when it is JSON
    (``[DONE]`` and other text stay strings)."""

    name: str | None
    data: Any


def sse_events(text: str) -> list[Event]:
    """The events of an SSE body: a blank line ends an event, ``data:`` lines of one event
    join with newlines, comments (``:``) are skipped."""
    events: list[Event] = []
    name: str | None = None
    data: list[str] = []
    for line in text.splitlines():
        if not line:
            if data or name is not None:
                events.append(Event(name, _json_or_text("\n".join(data))))
            name, data = None, []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data or name is not None:
        events.append(Event(name, _json_or_text("\n".join(data))))
    return events


def _json_or_text(text: str) -> Any:
    if not text:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def looks_like_sse(text: str) -> bool:
    """Whether a text body is a server-sent event stream (a header may be missing: some
    serializers drop them)."""
    head = text.lstrip()[:200]
    return head.startswith(("data:", "event:", ": ")) and "\n" in text


# --- AWS event streams -----------------------------------------------------------------------

_PRELUDE = struct.Struct(">III")
# Header value types of the event-stream encoding and their fixed sizes (None: length-prefixed).
_FIXED = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}


def eventstream_frames(data: bytes) -> Iterator[tuple[dict[str, Any], bytes]]:
    """(headers, payload) of each frame of an ``application/vnd.amazon.eventstream`` body,
    each frame's CRCs checked; BodyError at the first damaged frame."""
    offset = 0
    while offset < len(data):
        if len(data) - offset < 16:
            raise BodyError(f"event stream truncated at byte {offset}")
        total, headers_length, prelude_crc = _PRELUDE.unpack_from(data, offset)
        if binascii.crc32(data[offset : offset + 8]) != prelude_crc:
            raise BodyError(f"event stream frame at byte {offset} has a bad prelude CRC")
        if total < 16 + headers_length or offset + total > len(data):
            raise BodyError(f"event stream frame at byte {offset} is truncated")
        frame = data[offset : offset + total]
        (message_crc,) = struct.unpack(">I", frame[-4:])
        if binascii.crc32(frame[:-4]) != message_crc:
            raise BodyError(f"event stream frame at byte {offset} has a bad CRC")
        headers = _frame_headers(frame[12 : 12 + headers_length])
        yield headers, frame[12 + headers_length : -4]
        offset += total


def _frame_headers(data: bytes) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    position = 0
    try:
        while position < len(data):
            size = data[position]
            name = data[position + 1 : position + 1 + size].decode("utf-8", "replace")
            position += 1 + size
            kind = data[position]
            position += 1
            value: Any
            if kind in (0, 1):
                value = kind == 0
            elif kind in _FIXED:
                value = int.from_bytes(data[position : position + _FIXED[kind]], "big")
                position += _FIXED[kind]
            else:  # 6: bytes, 7: string, both length-prefixed
                (length,) = struct.unpack(">H", data[position : position + 2])
                raw = data[position + 2 : position + 2 + length]
                value = raw.decode("utf-8", "replace") if kind == 7 else raw
                position += 2 + length
            headers[name] = value
    except (IndexError, struct.error):
        raise BodyError("event stream frame headers are damaged") from None
    return headers


def eventstream_events(data: bytes) -> list[Any]:
    """The events of an AWS event stream as the SDKs yield them: ``{event-type: payload}``,
    a ``chunk`` holding base64 ``bytes`` given as the JSON those bytes hold."""
    events: list[Any] = []
    for headers, payload in eventstream_frames(data):
        kind = headers.get(":event-type") or headers.get(":exception-type") or "event"
        value = _json_or_text(payload.decode("utf-8", "replace"))
        if kind == "chunk" and isinstance(value, dict) and isinstance(value.get("bytes"), str):
            import base64

            try:
                inner = base64.b64decode(value["bytes"], validate=True)
                value = _json_or_text(inner.decode("utf-8", "replace"))
            except (binascii.Error, ValueError):
                pass
            events.append(value)
            continue
        events.append({kind: value})
    return events


# --- what provider formats read --------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A recorded answer decoded for the provider formats: the parsed body (JSON, or the
    list of a stream's events) and whether it was streamed."""

    body: Any
    streaming: bool


def answer_of(data: bytes, headers: Any, limit: int = DEFAULT_MAX_FILE_SIZE) -> Answer:
    """A response body as provider formats read it; BodyError when it cannot be decoded."""
    plain = decoded_bytes(data, headers, limit)
    kind = media_type(headers)
    # A serializer may have dropped the headers: a stream is known by its first frame too.
    if kind == "application/vnd.amazon.eventstream" or (not kind and _is_eventstream(plain)):
        return Answer(eventstream_events(plain), True)
    text = text_of(plain, headers)
    if text is None:
        return Answer(None, False)  # an image, audio: no answer to read
    if kind == "text/event-stream" or looks_like_sse(text):
        events = [event.data for event in sse_events(text) if event.data != "[DONE]"]
        return Answer(events, True)
    parsed = _json_or_text(text) if text.strip() else None
    if (
        isinstance(parsed, list)
        and parsed
        and all(isinstance(item, dict) and "candidates" in item for item in parsed)
    ):
        return Answer(parsed, True)  # a Gemini REST stream: one JSON array of chunks
    return Answer(parsed, False)


def _is_eventstream(data: bytes) -> bool:
    if len(data) < 16:
        return False
    total, _, prelude_crc = _PRELUDE.unpack_from(data, 0)
    return bool(total <= len(data) and binascii.crc32(data[:8]) == prelude_crc)


def request_body(data: bytes | str | None, headers: Any) -> Any:
    """A request body as formats and diffs read it: JSON parsed, else text, else None."""
    if data is None:
        return None
    if isinstance(data, str):
        return _json_or_text(data) if data else None
    try:
        plain = decoded_bytes(data, headers)
    except BodyError:
        return None
    text = text_of(plain, headers)
    return _json_or_text(text) if text else None
