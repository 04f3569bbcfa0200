"""VCR.py's request matchers, as data: each compares one part of a live request with a
recorded one and says what differs. Replay plays the first unplayed interaction that every
matcher of ``match_on`` passes (VCR.py's default: method, scheme, host, port, path, query).

Written from VCR.py's documented behaviour: the query is compared as its sorted parameters,
a missing port as the scheme's default, a JSON body as parsed JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

DEFAULT_MATCH_ON = ("method", "scheme", "host", "port", "path", "query")
_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Request:
    """A request as the matchers see it."""

    method: str
    uri: str
    headers: Mapping[str, str]
    body: bytes | None
    played: bool = False
    """What VCR.py's message said: its match exists but was played already."""

    @property
    def parts(self) -> Any:
        return urlsplit(self.uri)

    @property
    def port(self) -> int | None:
        parts = self.parts
        try:
            return parts.port or _PORTS.get(parts.scheme)
        except ValueError:
            return None

    @property
    def query(self) -> list[tuple[str, str]]:
        return sorted(parse_qsl(self.parts.query, keep_blank_values=True))


def _body(request: Request) -> Any:
    """The body as compared: parsed JSON when it is JSON, else its bytes."""
    if not request.body:
        return b""
    try:
        return orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return request.body


def _query_difference(live: Request, recorded: Request) -> str:
    theirs, ours = dict(recorded.query), dict(live.query)
    names = sorted(name for name in set(theirs) | set(ours) if theirs.get(name) != ours.get(name))
    return "parameters differ: " + ", ".join(names) if names else "parameter order differs"


def _body_difference(live: Request, recorded: Request) -> str:
    old, new = _body(recorded), _body(live)
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted(str(k) for k in set(old) | set(new) if old.get(k) != new.get(k))
        return "fields differ: " + ", ".join(keys)
    return "bodies differ"


@dataclass(frozen=True)
class Matcher:
    name: str
    value: Callable[[Request], Any]
    difference: Callable[[Request, Request], str] | None = None

    def differs(self, live: Request, recorded: Request) -> str | None:
        """What differs (None: it matches)."""
        if self.value(live) == self.value(recorded):
            return None
        if self.difference is not None:
            return self.difference(live, recorded)
        return f"{self.value(recorded)!r} recorded, {self.value(live)!r} sent"


MATCHERS: dict[str, Matcher] = {
    matcher.name: matcher
    for matcher in (
        Matcher("method", lambda request: request.method.upper()),
        Matcher("scheme", lambda request: request.parts.scheme),
        Matcher("host", lambda request: request.parts.hostname),
        Matcher("port", lambda request: request.port),
        Matcher("path", lambda request: request.parts.path),
        Matcher("query", lambda request: request.query, _query_difference),
        Matcher("uri", lambda request: request.uri),
        Matcher("body", _body, _body_difference),
        Matcher("raw_body", lambda request: request.body or b""),
        Matcher(
            "headers",
            lambda request: {key.lower(): value for key, value in request.headers.items()},
        ),
    )
}
