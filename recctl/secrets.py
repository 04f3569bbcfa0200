"""Secrets in recordings: API keys, tokens, private keys, credentials in headers and urls.

The scan understands recordings: it knows where a match sits (a request header, the url,
the request body, the response), and that recordings are full of 64-hex hashes, ``rec-``
ids, base64 embeddings and token ids, none of which is a secret. Key patterns start with a
literal, so the regex engine skips through the raw bytes at memchr speed, and a match
counts only on a token boundary: ``…Whsk-3kPDok…`` inside a news url is not an OpenAI key.
A secret is never printed whole: findings show a masked prefix and a fingerprint, which
``secret-allowlist`` in ``[tool.recctl]`` accepts for known test values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from recctl.locate import line_of_offset, locate, pointer_at
from recctl.scan import PatternSet

# Each pattern starts with one of its literals, so that the regex engine skips to candidates
# at memchr speed; patterns that share a first literal are one regex, and the kind is told by
# the match's own prefix. Each regex is a full pass over the file, so one pass over it for
# every literal at once first says which patterns can match at all: in nearly every file,
# none can.
_PATTERNS: tuple[tuple[tuple[bytes, ...], bytes], ...] = (
    ((b"sk-",), rb"sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    ((b"AIza", b"AKIA", b"ASIA"), rb"A(?:Iza[0-9A-Za-z_-]{35}|KIA[0-9A-Z]{16}|SIA[0-9A-Z]{16})"),
    ((b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"), rb"gh[opusr]_[A-Za-z0-9]{36,}"),
    ((b"github_pat_",), rb"github_pat_[A-Za-z0-9_]{22,}"),
    ((b"hf_",), rb"hf_[A-Za-z0-9]{30,}"),
    ((b"gsk_",), rb"gsk_[A-Za-z0-9]{40,}"),
    ((b"eyJ",), rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ((b"-----BEGIN ",), rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    ((b"Bearer ",), rb"Bearer [A-Za-z0-9._~+/-]{20,}=*"),
)
_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"sk-ant-", "anthropic-key"),
    (b"sk-", "openai-key"),
    (b"AIza", "google-api-key"),
    (b"AKIA", "aws-access-key-id"),
    (b"ASIA", "aws-access-key-id"),
    (b"github_pat_", "github-token"),
    (b"gh", "github-token"),
    (b"hf_", "huggingface-token"),
    (b"gsk_", "groq-key"),
    (b"eyJ", "jwt"),
    (b"-----BEGIN", "private-key"),
    (b"Bearer ", "bearer-token"),
)
_COMPILED = tuple(re.compile(pattern) for _, pattern in _PATTERNS)
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
_KEY_HEADERS = frozenset({"api-key", "x-api-key", "x-goog-api-key", "apikey", "x-auth-token"})
_KEY_PARAMS = frozenset(
    {"key", "api_key", "apikey", "api-key", "token", "access_token", "auth", "secret"}
)
# Values that are already redacted or plainly placeholders are not secrets.
_PLACEHOLDER = re.compile(r"^(?:<redacted:[a-z-]+>|\*+|x+|\.\.\.|none|null|fake|test|dummy)$", re.I)


@dataclass(frozen=True)
class Secret:
    """One secret: what kind, where, and the text itself (never printed)."""

    kind: str
    where: str
    """header, url, body, response, or test_id."""
    pointer: str
    value: str
    line: int | None = None
    hashed: bool = False
    """Whether it is part of the request hash: redacting it would break replay."""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.value)

    @property
    def masked(self) -> str:
        return mask(self.value)

    def message(self) -> str:
        advice = (
            "; it is part of the request hash: rotate the key and re-record"
            if self.hashed
            else "; rotate it, then: recctl redact --write"
        )
        return (
            f"{self.kind} in the {self.where} ({self.masked}, fingerprint {self.fingerprint})"
            f"{advice}"
        )


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def mask(value: str) -> str:
    """Enough of the start to recognise the key, never enough to use it."""
    shown = min(6, max(2, len(value) // 5))
    return f"{value[:shown]}…({len(value)} chars)"


def _boundary(raw: bytes, start: int, end: int, fixed: bool) -> bool:
    # An escape such as \n just before the key is a boundary too.
    escaped = start >= 2 and raw[start - 2] == 0x5C and raw[start - 1] in b"ntr"
    if start > 0 and raw[start - 1] in _WORD and not escaped:
        return False
    return not (fixed and end < len(raw) and raw[end] in _WORD)


def _where(ptr: str) -> str:
    for prefix, where in (
        ("/request/headers", "header"),
        ("/request/url", "url"),
        ("/request", "body"),
        ("/response", "response"),
    ):
        if ptr == prefix or ptr.startswith(prefix + "/"):
            return where
    return ptr.lstrip("/").split("/", 1)[0] or "file"


_LITERALS = [(index, literal) for index, (lits, _) in enumerate(_PATTERNS) for literal in lits]
_PREFILTER = PatternSet([re.escape(literal) for _, literal in _LITERALS])


def _candidates(raw: bytes) -> list[re.Pattern[bytes]]:
    """The patterns whose literals occur in ``raw``: the only ones worth a pass."""
    indexes = {_LITERALS[found][0] for found in _PREFILTER.present(raw)}
    return [_COMPILED[index] for index in sorted(indexes)]


def scan_raw(raw: bytes) -> Iterator[Secret]:
    """Pattern matches anywhere in the file's bytes, located by pointer and line."""
    for pattern in _candidates(raw):
        for match in pattern.finditer(raw):
            start, end = match.span()
            text = match.group()
            kind = next(name for prefix, name in _KINDS if text.startswith(prefix))
            fixed = kind == "aws-access-key-id"
            if not _boundary(raw, start, end, fixed):
                continue
            value = text.decode("utf-8", "replace")
            if kind == "bearer-token":
                value = value.removeprefix("Bearer ")
                if not (re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value)):
                    continue
            ptr = pointer_at(raw, start)
            line, _ = line_of_offset(raw, start)
            yield Secret(kind, _where(ptr), ptr, value, line)


def _structured(data: Mapping[str, Any]) -> Iterator[Secret]:
    """Secrets that only their place reveals: auth headers, url credentials."""
    request = data.get("request")
    if not isinstance(request, Mapping):
        return
    headers = request.get("headers")
    if isinstance(headers, Mapping):
        for name, value in headers.items():
            lowered = str(name).lower()
            if not isinstance(value, str) or not value.strip() or _PLACEHOLDER.match(value):
                continue
            if lowered in _AUTH_HEADERS:
                scheme, _, token = value.partition(" ")
                kind = "basic-auth" if scheme.lower() == "basic" else "authorization-header"
                yield Secret(kind, "header", f"/request/headers/{name}", token or value)
            elif lowered in _KEY_HEADERS:
                yield Secret("api-key-header", "header", f"/request/headers/{name}", value)
    url = request.get("url")
    if isinstance(url, str) and ("@" in url or "=" in url):
        parts = urlsplit(url)
        if parts.password and not _PLACEHOLDER.match(parts.password):
            yield Secret("url-password", "url", "/request/url", parts.password)
        for name, value in parse_qsl(parts.query, keep_blank_values=False):
            if name.lower() in _KEY_PARAMS and len(value) >= 8 and not _PLACEHOLDER.match(value):
                yield Secret("url-credential", "url", "/request/url", value)


def scan(raw: bytes, data: Any, allowlist: frozenset[str] = frozenset()) -> list[Secret]:
    """Every secret in one recording, once each, minus the allowlisted fingerprints."""
    found: dict[tuple[str, str], Secret] = {}
    structured = list(_structured(data)) if isinstance(data, Mapping) else []
    # Pattern kinds first: "openai-key" says more than "authorization-header".
    for secret in [*scan_raw(raw), *structured]:
        if secret.fingerprint in allowlist:
            continue
        found.setdefault((secret.value, secret.where), secret)
    unplaced = {s.pointer for s in found.values() if s.line is None}
    lines = locate(raw, unplaced) if unplaced else {}
    # A raw HTTP call hashes its whole url; an inference call only the url's path.
    request = data.get("request") if isinstance(data, Mapping) else None
    url_hashed = isinstance(request, Mapping) and "payload" in request
    return [
        replace(
            secret,
            line=secret.line or lines.get(secret.pointer, (None, None))[0],
            hashed=secret.where == "body" or (secret.where == "url" and url_hashed),
        )
        for secret in found.values()
    ]


def redact_value(value: Any, secrets: dict[str, str]) -> Any:
    """A copy of ``value`` with each secret text replaced by ``<redacted:KIND>``."""
    if isinstance(value, str):
        for text, kind in secrets.items():
            if text in value:
                value = value.replace(text, f"<redacted:{kind}>")
        return value
    if isinstance(value, dict):
        return {key: redact_value(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_value(item, secrets) for item in value]
    return value
