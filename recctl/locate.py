"""Find the line and column of JSON pointers in the raw bytes of a document.

Parsers that build Python objects forget positions, and a second full parse that keeps
them is slow. Only files with findings need positions, so this scanner tokenizes the raw
bytes once, descends only into containers on the way to a wanted pointer, and stops when
every wanted pointer has been found.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

# A JSON token: a string (escapes kept), a structural character, or a bare scalar.
# Possessive: a backtracking repeat keeps a state per character, 600 MB for a 4 MB string.
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[{}\[\],:]|[^\s{}\[\],:"]+', re.DOTALL)

Position = tuple[int, int]


def escape_segment(segment: str) -> str:
    """Escape one reference token as RFC 6901 says."""
    return segment.replace("~", "~0").replace("/", "~1")


def pointer(parts: Iterable[str | int]) -> str:
    """The JSON pointer of a path given as keys and indexes."""
    return "".join("/" + escape_segment(str(part)) for part in parts)


def segments(ptr: str) -> list[str]:
    """The reference tokens of a JSON pointer, unescaped as RFC 6901 says."""
    if not ptr:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in ptr[1:].split("/")]


def value_at(data: Any, ptr: str) -> Any:
    """The value a JSON pointer names in a parsed document (KeyError, IndexError when it
    leads nowhere)."""
    for part in segments(ptr):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _prefixes(pointers: set[str]) -> set[str]:
    found = {""}
    for ptr in pointers:
        index = ptr.find("/", 1)
        while index != -1:
            found.add(ptr[:index])
            index = ptr.find("/", index + 1)
        found.add(ptr)
    return found


class _Frame:
    __slots__ = ("index", "is_object", "key", "live", "ptr", "want_key")

    def __init__(self, ptr: str, is_object: bool, live: bool) -> None:
        self.ptr = ptr
        self.is_object = is_object
        self.live = live
        self.key = ""
        self.index = 0
        self.want_key = is_object


def _tokens(
    raw: bytes, live: Callable[[str], bool]
) -> Iterator[tuple[str | None, re.Match[bytes], bool]]:
    """(pointer, token, is_key) for every key and value token of ``raw``, in order.

    Pointers are worked out only below containers whose own pointer ``live`` accepts (None
    elsewhere): callers that look for a few places skip the work of naming all the others.
    """
    import json  # only files with findings or secrets come here

    stack: list[_Frame] = []
    for match in _TOKEN.finditer(raw):
        token = match.group()
        first = token[:1]
        frame = stack[-1] if stack else None
        if first in (b",", b":"):
            if frame is not None and first == b",":
                if frame.is_object:
                    frame.want_key = True
                else:
                    frame.index += 1
            continue
        if first in (b"}", b"]"):
            if stack:
                stack.pop()
            continue
        if frame is not None and frame.is_object and frame.want_key:
            if frame.live and first == b'"':
                try:
                    frame.key = str(json.loads(token))
                except ValueError:
                    frame.key = token.decode("utf-8", "replace").strip('"')
            frame.want_key = False
            key_pointer = frame.ptr + "/" + escape_segment(frame.key) if frame.live else None
            yield key_pointer, match, True
            continue
        if frame is None:
            ptr: str | None = ""
        elif frame.live:
            segment = frame.key if frame.is_object else str(frame.index)
            ptr = frame.ptr + "/" + escape_segment(segment)
        else:
            ptr = None
        yield ptr, match, False
        if first in (b"{", b"["):
            stack.append(_Frame(ptr or "", first == b"{", ptr is not None and live(ptr)))


def locate(raw: bytes, pointers: Iterable[str]) -> dict[str, Position]:
    """Map each pointer that exists in ``raw`` to its 1-based (line, column)."""
    wanted = set(pointers)
    found: dict[str, Position] = {}
    line, line_start, scanned = 1, 0, 0
    for ptr, match, is_key in _tokens(raw, _prefixes(wanted).__contains__):
        if is_key or ptr is None or ptr not in wanted or ptr in found:
            continue
        start = match.start()
        newlines = raw.count(b"\n", scanned, start)
        if newlines:
            line += newlines
            line_start = raw.rfind(b"\n", scanned, start) + 1
        scanned = start
        found[ptr] = (line, start - line_start + 1)
        if len(found) == len(wanted):
            break
    return found


def line_of_offset(raw: bytes, offset: int) -> Position:
    """1-based (line, column) of a byte offset."""
    offset = max(0, min(offset, len(raw)))
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def lines_at(raw: bytes, offsets: Iterable[int]) -> dict[int, int]:
    """The 1-based line of each byte offset, in one pass over ``raw`` (``line_of_offset``
    of each would pass over it once per offset: a text of a hundred thousand keys)."""
    lines: dict[int, int] = {}
    line, scanned = 1, 0
    for offset in sorted(set(offsets)):
        line += raw.count(b"\n", scanned, offset)
        scanned = offset
        lines[offset] = line
    return lines


def pointer_at(raw: bytes, offset: int) -> str:
    """The JSON pointer of the innermost value (or key) whose text covers ``offset``.

    Used for the rare match of a byte pattern (a secret) to say where in the document it
    sits; it scans tokens only up to the offset.
    """
    innermost = ""
    for ptr, match, _ in _tokens(raw, lambda _: True):
        if match.start() > offset:
            break
        if ptr is not None and match.end() > offset:
            return ptr
        if ptr is not None and raw[match.start() : match.start() + 1] in (b"{", b"["):
            innermost = ptr
    return innermost


def place_runs(raw: bytes, offsets: Sequence[int]) -> Iterator[tuple[str, int, int]]:
    """(JSON pointer, 1-based line, count) for the byte offsets, ascending, in one pass over
    ``raw``: the next ``count`` offsets are at that place.

    The pointer is that of the innermost value or key whose text covers an offset, as in
    ``pointer_at``. The offsets in one token on one line make one run: a string holding a
    hundred thousand keys costs a run, not one answer each; nothing is kept per offset.
    """
    if not offsets:
        return
    count = len(offsets)
    position = 0
    innermost = ""
    line, scanned = 1, 0

    def line_at(offset: int) -> int:
        nonlocal line, scanned
        line += raw.count(b"\n", scanned, offset)
        scanned = offset
        return line

    for ptr, match, _ in _tokens(raw, lambda _: True):
        start = match.start()
        # Between tokens (whitespace, which may hold newlines): one by one.
        while position < count and offsets[position] < start:
            yield innermost, line_at(offsets[position]), 1
            position += 1
        if position == count:
            return
        end = match.end()
        if ptr is not None and offsets[position] < end:
            stop = bisect.bisect_left(offsets, end, position)
            if raw.find(b"\n", start, end) < 0:  # a token on one line (a JSON string is)
                yield ptr, line_at(offsets[position]), stop - position
            else:
                for offset in offsets[position:stop]:
                    yield ptr, line_at(offset), 1
            position = stop
        if ptr is not None and raw[match.start() : match.start() + 1] in (b"{", b"["):
            innermost = ptr
    for offset in offsets[position:]:
        yield innermost, line_at(min(offset, len(raw))), 1
