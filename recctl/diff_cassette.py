"""``recctl diff`` of two versions of a VCR.py cassette: what a re-record changed, interaction
by interaction, as a reviewer needs it.

Per interaction: the request's method, url (the query by parameter) and body (JSON-aware,
after ``parsed_body`` and decoding), then the answer as people read it (text, tool calls,
finish reason and usage, reassembled: a stream chunked differently with the same answer is
no change), then the status. What a re-record always changes is noise, counted and never
listed: the volatile headers (``date``, ``cf-ray``, request ids, cookies, ratelimits,
``content-length``…), ids and timestamps. Headers that are not noise and differ are listed.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from recctl import masking, recorders, store

# Response and request headers that a re-record changes every time.
VOLATILE_HEADERS = (
    "date",
    "age",
    "expires",
    "etag",
    "last-modified",
    "cf-ray",
    "cf-cache-status",
    "set-cookie",
    "cookie",
    "x-request-id",
    "request-id",
    "req-*",
    "*-request-id",
    "openai-processing-ms",
    "openai-version",
    "openai-organization",
    "openai-project",
    "x-ratelimit-*",
    "*-ratelimit-*",
    "retry-after",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "x-envoy-upstream-service-time",
    "server-timing",
    "server",
    "via",
    "alt-svc",
    "strict-transport-security",
    "vary",
    "access-control-*",
    "x-content-type-options",
    "x-amzn-*",
    "x-amz-*",
    "x-goog-*",
    "user-agent",
    "x-stainless-*",
    "traceparent",
    "accept-encoding",
)


def _noise_pattern(noise: Sequence[str]) -> re.Pattern[str]:
    names = [*VOLATILE_HEADERS, *noise]
    return re.compile("|".join(fnmatch.translate(name.lower()) for name in names))


def is_cassette(path: str) -> bool:
    """Whether a side of a diff is a file of a recorder that names files by their test."""
    recorder = recorders.named(path)
    return recorder is not None and not recorder.hash_named


def _views(raw: bytes, path: str) -> list[Mapping[str, Any]] | None:
    """The interactions of one version, secrets masked (None: it cannot be read)."""
    try:
        fixture = recorders.recorder_for(path, raw).load(path, raw, len(raw) + 1)
    except store.LoadError:
        return None
    masker = masking.Masker.of(fixture.recorder.secrets(fixture, None))
    return [masker.data(dict(item.view)) for item in fixture.interactions]


def _headers(headers: Any, noise: re.Pattern[str]) -> dict[str, Any]:
    if not isinstance(headers, Mapping):
        return {}
    return {
        str(name).lower(): value
        for name, value in headers.items()
        if not noise.match(str(name).lower())
    }


def _url_changes(old: str, new: str) -> list[dict[str, Any]]:
    a, b = urlsplit(old or ""), urlsplit(new or "")
    changes = []
    for part in ("scheme", "netloc", "path"):
        if getattr(a, part) != getattr(b, part):
            changes.append(
                {
                    "key": f"/{part}",
                    "kind": "changed",
                    "old": getattr(a, part),
                    "new": getattr(b, part),
                }
            )
    before = dict(parse_qsl(a.query, keep_blank_values=True))
    after = dict(parse_qsl(b.query, keep_blank_values=True))
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            kind = "added" if name not in before else "removed" if name not in after else "changed"
            changes.append(
                {
                    "key": f"/query/{name}",
                    "kind": kind,
                    "old": before.get(name),
                    "new": after.get(name),
                }
            )
    return changes


def _request_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], noise: Sequence[str], headers: re.Pattern[str]
) -> list[dict[str, Any]]:
    from recctl.diff import request_changes, without_noise

    changes: list[dict[str, Any]] = []
    if str(old.get("method") or "").upper() != str(new.get("method") or "").upper():
        changes.append(
            {
                "key": "/method",
                "kind": "changed",
                "old": old.get("method"),
                "new": new.get("method"),
            }
        )
    changes += _url_changes(str(old.get("url") or ""), str(new.get("url") or ""))
    before, after = without_noise(old.get("body"), noise), without_noise(new.get("body"), noise)
    if before != after:
        for change in request_changes({"body": before}, {"body": after}):
            change.pop("what", None)
            changes.append(change)
    old_headers = _headers(old.get("headers"), headers)
    new_headers = _headers(new.get("headers"), headers)
    for name in sorted(set(old_headers) | set(new_headers)):
        if old_headers.get(name) != new_headers.get(name):
            changes.append(
                {
                    "key": f"/headers/{name}",
                    "kind": "changed",
                    "old": old_headers.get(name),
                    "new": new_headers.get(name),
                }
            )
    return [{"what": "request", **change} for change in changes]


def _summary(view: Mapping[str, Any]) -> str:
    request = view.get("request") or {}
    return f"{request.get('method')} {request.get('url')}"


def cassette_changes(
    old_raw: bytes, new_raw: bytes, old_path: str, new_path: str, noise: Sequence[str]
) -> list[dict[str, Any]] | None:
    """What changed between two versions of a cassette beyond noise, each change naming its
    interaction; None when a side cannot be read."""
    from recctl.diff import answer_changes

    old, new = _views(old_raw, old_path), _views(new_raw, new_path)
    if old is None or new is None:
        return None
    headers = _noise_pattern(noise)
    changes: list[dict[str, Any]] = []
    for index in range(max(len(old), len(new))):
        if index >= len(old) or index >= len(new):
            kind, side = ("added", new) if index >= len(old) else ("removed", old)
            changes.append(
                {
                    "what": "interaction",
                    "interaction": index,
                    "kind": kind,
                    "request": _summary(side[index]),
                }
            )
            continue
        a, b = old[index], new[index]
        found = _request_changes(a.get("request") or {}, b.get("request") or {}, noise, headers)
        # The answer as people read it: a stream chunked otherwise is the same answer.
        found += [c for c in answer_changes(a, b) if c["what"] != "chunks"]
        before, after = a.get("response") or {}, b.get("response") or {}
        if before.get("status") != after.get("status"):
            found.append(
                {"what": "status", "old": before.get("status"), "new": after.get("status")}
            )
        old_headers = _headers(before.get("headers"), headers)
        new_headers = _headers(after.get("headers"), headers)
        for name in sorted(set(old_headers) | set(new_headers)):
            if old_headers.get(name) != new_headers.get(name):
                found.append(
                    {
                        "what": "response header",
                        "key": name,
                        "old": old_headers.get(name),
                        "new": new_headers.get(name),
                    }
                )
        changes += [{**change, "interaction": index} for change in found]
    return changes
