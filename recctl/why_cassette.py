"""``recctl why CASSETTE --request FILE|-``: why VCR.py's replay missed a request.

The live request is a JSON object ``{method, uri, headers?, body?}`` (or a list of them, in
the order the test sends them), or the message of a ``CannotOverwriteExistingCassette``
exception pasted from a failed run. Replay is simulated as VCR.py does it: each request
plays the first unplayed interaction that every matcher of ``match_on`` passes. For each
request the report says which interaction plays it, or, when none does, which matchers each
interaction passes and fails, the nearest one with what differs, and whether the match
exists but was played already by an earlier request (``allow_playback_repeats``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from recctl import recorders
from recctl.errors import UsageError
from recctl.project import Project
from recctl.recorders.vcr import as_bytes, body_value, pairs
from recctl.recorders.vcr_matchers import DEFAULT_MATCH_ON, MATCHERS, Request

# The live request in VCR.py's CannotOverwriteExistingCassetteException message: before
# VCR.py 9 in one sentence; since, on a line of its own, with the run's match_on below.
_OLD_MESSAGE = re.compile(r"No match for the \((\w+)\) request \(<Request \(\w+\) (\S+?)>\)")
_MESSAGE = re.compile(r"^  ([A-Z]+) (\S+)$", re.MULTILINE)
_MATCH_ON = re.compile(r"^\s*match_on: (.+)$", re.MULTILINE)
_PLAYED = ("already been played", "0 different matcher")


@dataclass(frozen=True)
class Attempt:
    """One interaction against one request: the matchers it passes and those it fails,
    with what differs."""

    interaction: int
    passed: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]

    def record(self) -> dict[str, Any]:
        return {
            "interaction": self.interaction,
            "passed": list(self.passed),
            "failed": [{"matcher": name, "differs": why} for name, why in self.failed],
        }


@dataclass
class RequestVerdict:
    number: int
    """1-based, in the order the requests were given."""
    method: str
    uri: str
    plays: int | None = None
    """The interaction replay plays for it (None: a miss)."""
    played: list[tuple[int, int]] = field(default_factory=list)
    """(interaction, the request number that played it): matches already played."""
    attempts: list[Attempt] = field(default_factory=list)
    nearest: Attempt | None = None

    def record(self) -> dict[str, Any]:
        return {
            "request": self.number,
            "method": self.method,
            "uri": self.uri,
            "plays": self.plays,
            "played_already": [{"interaction": i, "by_request": k} for i, k in self.played],
            "nearest": self.nearest.record() if self.nearest else None,
            "interactions": [attempt.record() for attempt in self.attempts],
        }


@dataclass
class CassetteWhy:
    path: str
    match_on: tuple[str, ...]
    match_on_from: str
    """Where ``match_on`` comes from: an option, a ``vcr_config`` fixture, VCR.py's default."""
    repeats: bool
    interactions: int
    verdicts: list[RequestVerdict]

    @property
    def plays(self) -> bool:
        """Whether replay would answer every request."""
        return all(verdict.plays is not None for verdict in self.verdicts)

    def record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "match_on": list(self.match_on),
            "match_on_from": self.match_on_from,
            "allow_playback_repeats": self.repeats,
            "interactions": self.interactions,
            "plays": self.plays,
            "requests": [verdict.record() for verdict in self.verdicts],
        }


def _body_bytes(value: Any) -> bytes | None:
    """A body as the matchers compare it: stored text or bytes, or parsed JSON dumped."""
    return orjson.dumps(value) if isinstance(value, (dict, list)) else as_bytes(value)


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        str(name): str(items[0] if isinstance(items, list) and items else items)
        for name, items in value.items()
    }


def live_requests(raw: bytes, source: str) -> list[Request]:
    """The requests of ``--request``: JSON, or a VCR.py exception message."""
    text = raw.decode("utf-8", "replace")
    if text.lstrip().startswith(("{", "[")):
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise UsageError(f"{source}: not JSON: {exc}") from None
        items = data if isinstance(data, list) else [data]
        found = []
        for item in items:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("method"), str)
                and isinstance(item.get("uri"), str)
            ):
                raise UsageError(f"{source}: a request is {{method, uri, headers?, body?}}")
            found.append(
                Request(
                    item["method"],
                    item["uri"],
                    _headers(item.get("headers")),
                    _body_bytes(item.get("body")),
                )
            )
        return found
    message = _OLD_MESSAGE.search(text) or _MESSAGE.search(text)
    if message is None:
        raise UsageError(
            f"{source}: neither a request as JSON ({{method, uri, headers?, body?}}) "
            "nor VCR.py's CannotOverwriteExistingCassetteException message"
        )
    played = any(words in text for words in _PLAYED)
    return [Request(message.group(1), message.group(2), {}, None, played)]


def message_match_on(raw: bytes) -> tuple[str, ...] | None:
    """The matchers a VCR.py message says the failed run used."""
    found = _MATCH_ON.search(raw.decode("utf-8", "replace"))
    if found is None:
        return None
    return tuple(name.strip() for name in found.group(1).split(",") if name.strip())


def _recorded(request: Any) -> Request:
    request = request if isinstance(request, dict) else {}
    _, stored = body_value(request)
    return Request(
        str(request.get("method") or ""),
        str(request.get("uri") or ""),
        _headers(request.get("headers")),
        _body_bytes(stored),
    )


def explain(
    path: str | Path,
    requests: Sequence[Request],
    match_on: Sequence[str],
    match_on_from: str,
    repeats: bool,
    max_size: int,
) -> CassetteWhy:
    """Simulate replay of ``requests`` against one cassette; LoadError when it cannot be
    read."""
    unknown = sorted(set(match_on) - set(MATCHERS))
    if unknown:
        raise UsageError(f"unknown matcher {', '.join(unknown)} (matchers: {', '.join(MATCHERS)})")
    fixture = recorders.load(path, max_size)
    recorded = [_recorded(request) for _, request, _ in pairs(fixture.data)]
    matchers = [MATCHERS[name] for name in match_on]
    played: dict[int, int] = {}
    verdicts = []
    for number, live in enumerate(requests, 1):
        verdict = RequestVerdict(number, live.method, live.uri)
        for index, candidate in enumerate(recorded):
            differences = [(m.name, m.differs(live, candidate)) for m in matchers]
            verdict.attempts.append(
                Attempt(
                    index,
                    tuple(name for name, why in differences if why is None),
                    tuple((name, why) for name, why in differences if why is not None),
                )
            )
        matching = [attempt.interaction for attempt in verdict.attempts if not attempt.failed]
        # A pasted message that says the match was played knows more than one request does.
        free = [index for index in matching if repeats or (index not in played and not live.played)]
        if free:
            verdict.plays = free[0]
            played.setdefault(free[0], number)
        else:
            # 0: an earlier request of the failed run, which the message does not show.
            verdict.played = [(index, played.get(index, 0)) for index in matching]
            if not matching and verdict.attempts:
                verdict.nearest = max(
                    verdict.attempts,
                    key=lambda attempt: (len(attempt.passed), -attempt.interaction),
                )
        verdicts.append(verdict)
    return CassetteWhy(str(path), tuple(match_on), match_on_from, repeats, len(recorded), verdicts)


def why_cassette(
    path: str | Path,
    requests: Sequence[Request],
    project: Project,
    match_on: Sequence[str] | None,
    repeats: bool | None,
    max_size: int,
    source_of_match_on: str = "--match-on",
) -> CassetteWhy:
    """``explain`` under the matchers the project configures for the cassette's test (its
    ``vcr_config``), unless ``match_on`` (from ``source_of_match_on``) or ``repeats`` are
    given."""
    from recctl.recorders.vcr_tests import TestModules

    configured, configured_repeats, source = TestModules(project.root).replay_settings(str(path))
    if match_on:
        chosen, source = tuple(match_on), source_of_match_on
    else:
        chosen = configured or DEFAULT_MATCH_ON
    allowed = configured_repeats if repeats is None else repeats
    return explain(path, requests, chosen, source, allowed, max_size)
