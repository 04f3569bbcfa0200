"""Secrets in recordings: API keys, tokens, private keys and credentials, wherever a recorder
can leak them.

The scan reads what the recorder stores, decoded: the file's bytes with JSON escapes that
could hide a key undone (``sk\\u002dproj-…``), every duplicate of a key (what a parser drops),
object keys, the url after percent-decoding, cookie pairs, and the text of a streamed answer
put back together, so that a key split across chunks is found at its first chunk.

Keys with a shape (``sk-proj-…``, ``AKIA…``, ``ghp_…``) are found by pattern anywhere; keys
without one (Azure's 32 hex digits, Mistral's 32 characters, an AWS secret access key) by
their place: a header, query parameter or field whose name says key, token, secret or
password. Recordings are full of 64-hex hashes, ``rec-`` ids, base64 embeddings and token
ids, none of which is a secret: patterns need their literal prefix on a token boundary, and a
field's name must end in a credential word.

A secret is never printed: findings show ``‹KIND …last4›`` and a fingerprint, an HMAC-SHA256
with the project's ``secret-salt``, which cannot be brute-forced from the output and which
``secret-allowlist`` accepts for known test values.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from recctl.locate import locate, places_of
from recctl.scan import PatternSet
from recctl.secret_rules import PUBLIC_KEY, RULES
from recctl.urls import split_url
from recctl.walk import mapped

_COMPILED = tuple(re.compile(rule.pattern) for rule in RULES)
# The quick scan asks, for every rule at once, whether its leading literal occurs at all.
_PREFILTER = PatternSet([rule.prefix for rule in RULES])

_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# JSON escapes of printable ASCII that the recorder never writes: one hides a key's literal
# from a byte scan. Only characters that cannot change the document's structure are undone.
_HIDING_ESCAPE = re.compile(rb"\\u00([2-7][0-9a-fA-F])|\\/")
_UNSAFE = frozenset(b'"\\')

# Field names that say a credential: the name's last word is one of these.
_CREDENTIAL_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "cookie",
    }
)
# ... unless another word says it is no credential (a count, a page cursor, a token's text).
_NOT_CREDENTIAL_WORDS = frozenset(
    {"page", "next", "continuation", "cursor", "max", "stop", "cache"}
)
_NAME_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# The end of a key that holds a credential word, followed by a string value: found by the
# word (the engine skips to its first letters), then the name is read back to its quote.
_CREDENTIAL_NAME_END_PATTERN = (
    rb'(?:key|token|secret|pass|pwd|auth|credential|cookie)[^"\\]{0,40}("\s*:\s*)"'
)
_CREDENTIAL_NAME_END = re.compile(_CREDENTIAL_NAME_END_PATTERN)
# One quick pass over each file answers three questions at once: which rules' prefixes occur
# (the first len(RULES) patterns), whether an escape hides something (the next two), and
# whether a credential-named field holds a string (the last, case-blind).
_HIDES = (rb"\\u00[2-7]", rb"\\/")
QUICK = PatternSet(
    [*(rule.prefix for rule in RULES), *_HIDES, b"(?i)" + _CREDENTIAL_NAME_END_PATTERN]
)
_HIDES_AT = frozenset(range(len(RULES), len(RULES) + len(_HIDES)))
FIELD_AT = len(RULES) + len(_HIDES)
_STRING = re.compile(rb'"((?:[^"\\]|\\.){0,16384})"')
_SHAPED = re.compile(r"[A-Za-z0-9+/=_.~:-]{16,}")
_AUTH_SCHEME = re.compile(r"^(Bearer|Basic|Token|Bot)\s+(\S+)$", re.IGNORECASE)
_AWS_SECRET = re.compile(rb"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# Values that are already redacted or plainly placeholders are not secrets.
# Also what cassette filters leave: FILTERED, <REDACTED>, an environment variable's name
# (``Bearer OPENAI_API_KEY``), ``X-AMZ-SECURITY-TOKEN-XXX``.
PLACEHOLDER = re.compile(
    r"^(?:(?:bearer|basic|token)\s+)?(?:<redacted:[a-z0-9-]+>|\*+|x+|\.\.\.|none|null|fake|"
    r"test|dummy|placeholder|your[-_ ]?api[-_ ]?key|changeme|redacted|\$\{[A-Z_]+\}|"
    r".*(?:filtered|redacted).*|(?-i:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|.*XXX))$",
    re.IGNORECASE,
)
# The fields whose text a stream spreads over its chunks.
_TEXT_FIELDS = frozenset(
    {
        "content",
        "text",
        "arguments",
        "partial_json",
        "thinking",
        "reasoning",
        "reasoning_content",
        "refusal",
        "response",
        "delta",
    }
)
MIN_PIECE = 6
"""Pieces of a split key at least this long are masked wherever they are shown."""


@dataclass(frozen=True)
class Secret:
    """One secret: what kind, where, and the text itself (never printed)."""

    kind: str
    where: str
    """header, url, body, response, mapping, test_id or file."""
    pointer: str
    value: str
    fingerprint: str | None
    """None without the project's ``secret-salt``."""
    line: int | None = None
    hashed: bool = False
    """Whether it is part of the request hash: redacting it would break replay."""
    pieces: tuple[str, ...] = ()
    """For a key split across a stream's chunks: the parts each chunk holds."""

    @property
    def masked(self) -> str:
        return mask(self.kind, self.value)

    def message(self) -> str:
        advice = (
            "; it is part of the request hash: rotate the key, then re-record"
            if self.hashed
            else "; rotate it, then: recctl redact --write"
        )
        split = f", split across {len(self.pieces)} chunks" if self.pieces else ""
        return f"{self.kind} in the {self.where}{split} ({self.shown()}){advice}"

    def shown(self) -> str:
        """The masked secret, with its fingerprint when the project has a salt."""
        if self.fingerprint is None:
            return self.masked
        return f"{self.masked}, fingerprint {self.fingerprint}"


def placeholder(kind: str) -> str:
    """What a redacted secret becomes; the scan never takes it for a secret."""
    return f"<redacted:{kind}>"


def replacer(found: Sequence[Secret]) -> Callable[[str], str]:
    """What a text becomes with each secret (as it is, or percent-encoded) replaced by its
    placeholder, longest first: a key never cuts a longer one in two."""
    ordered = sorted(found, key=lambda secret: -len(secret.value))

    def change(text: str) -> str:
        for secret in ordered:
            if secret.value in text:
                text = text.replace(secret.value, placeholder(secret.kind))
            encoded = quote(secret.value, safe="")
            if encoded != secret.value and encoded in text:
                text = text.replace(encoded, placeholder(secret.kind))
        return text

    return change


def fingerprint(value: str, salt: str) -> str:
    """HMAC-SHA256 of the secret under the project's salt: stable for the allowlist, useless
    for guessing a weak secret offline without the salt."""
    key = salt.encode("utf-8", "surrogatepass")
    text = value.encode("utf-8", "surrogatepass")
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:16]


def value_digest(value: str) -> str:
    """SHA-256 of a secret's value: what tells two keys at one place apart, kept in memory
    and the local result cache, never shown (the baseline keys it again with its own salt)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def mask(kind: str, value: str) -> str:
    """What output shows instead of a secret: its kind, and the end of a long one."""
    tail = f" …{value[-4:]}" if len(value) >= 24 else ""
    return f"‹{kind}{tail}›"


def _boundary(raw: bytes, start: int, end: int, fixed: bool) -> bool:
    # An escape such as \n just before the key is a boundary too.
    escaped = start >= 2 and raw[start - 2] == 0x5C and raw[start - 1] in b"ntr"
    if start > 0 and raw[start - 1] in _WORD and not escaped:
        return False
    return not (fixed and end < len(raw) and raw[end] in _WORD)


def _backslashes_before(raw: bytes, position: int) -> int:
    count = 0
    while position - count > 0 and raw[position - count - 1] == 0x5C:
        count += 1
    return count


def unhide(raw: bytes, hides: bool | None = None) -> bytes:
    """``raw`` with the escapes that could hide a key's literal undone, structure kept: line
    numbers and pointers stay those of the file. ``hides``: what the quick pass said."""
    if hides is None:
        hides = b"\\/" in raw or re.search(rb"\\u00[2-7]", raw) is not None
    if not hides:
        return raw

    def undo(match: re.Match[bytes]) -> bytes:
        if _backslashes_before(raw, match.start()) % 2:
            return match.group()  # the backslash is itself escaped: plain text follows
        if match.group(1) is None:
            return b"/"
        char = int(match.group(1), 16)
        return match.group() if char in _UNSAFE else bytes([char])

    return _HIDING_ESCAPE.sub(undo, raw)


def _json_text(escaped: bytes) -> str:
    """The text of a JSON string's escaped content."""
    if b"\\" not in escaped:
        return escaped.decode("utf-8", "replace")
    try:
        text = json.loads(b'"' + escaped + b'"')
    except ValueError:
        return escaped.decode("utf-8", "replace")
    return text if isinstance(text, str) else escaped.decode("utf-8", "replace")


# The scan's parts, each over one text (the file's bytes, a decoded body, a url), are used by
# every recorder's scan: a llama-stack recording's below, a cassette's in
# recctl.recorders.vcr_secrets.


@dataclass
class Found:
    kind: str
    value: str
    offset: int | None = None
    pointer: str | None = None
    pieces: tuple[str, ...] = ()


def shaped_keys(view: bytes, present: set[int] | None = None) -> Iterator[Found]:
    """Keys with a shape, anywhere in the (unhidden) bytes; ``present``: the rules whose
    prefixes the quick pass found."""
    if present is None:
        present = _PREFILTER.present(view)
    # Spans already named, sorted by start; an earlier rule's match wins a place (sk-ant-
    # before sk-). Matches of one rule never overlap, so a look at the neighbours suffices.
    starts: list[int] = []
    ends: list[int] = []
    for index in sorted(present):
        fixed = RULES[index].kind == "aws-access-key-id"
        for match in _COMPILED[index].finditer(view):
            start, end = match.span()
            if not _boundary(view, start, end, fixed):
                continue
            at = bisect.bisect_left(starts, start)
            if (at > 0 and ends[at - 1] > start) or (at < len(starts) and starts[at] < end):
                continue  # a longer-prefixed rule (sk-ant-) already named this place
            value = _json_text(match.group())
            if RULES[index].kind == "bearer-token":
                value = value.removeprefix("Bearer ")
                if not (re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value)):
                    continue
            starts.insert(at, start)
            ends.insert(at, end)
            yield Found(RULES[index].kind, value, start)


def name_says_credential(name: str) -> bool:
    """Whether a header, parameter or field name says its value is a credential."""
    if "<redacted:" in name:
        return False  # a key that was itself a secret, already redacted
    words = [word.lower() for word in _NAME_WORDS.findall(name)]
    if not words or words[-1] not in _CREDENTIAL_WORDS:
        return False
    return not (set(words) & _NOT_CREDENTIAL_WORDS)


def _shaped(value: str, name: str) -> bool:
    """A value that looks like a credential rather than prose, a count or a word."""
    lowered = name.lower()
    if "pass" in lowered or "pwd" in lowered:
        return len(value) >= 4 and " " not in value
    if not _SHAPED.fullmatch(value):
        return False
    return bool(re.search(r"[0-9]", value)) and bool(re.search(r"[A-Za-z]", value))


def _context_kind(name: str) -> str:
    lowered = name.lower()
    if "cookie" in lowered:
        return "cookie"
    if "pass" in lowered or "pwd" in lowered:
        return "password"
    if "auth" in lowered:
        return "authorization-header"
    return "credential"


def credential_values(name: str, value: str) -> Iterator[tuple[str, str]]:
    """(kind, secret) in the value of a field whose name says credential."""
    if PLACEHOLDER.match(value.strip()) or PUBLIC_KEY.match(value.strip()):
        return
    if "cookie" in name.lower():
        for pair in value.split(";"):
            _, _, cookie = pair.strip().partition("=")
            cookie = unquote(cookie.strip().strip('"'))
            if len(cookie) >= 8 and not PLACEHOLDER.match(cookie):
                yield "cookie", cookie
        return
    scheme = _AUTH_SCHEME.match(value.strip())
    if scheme:
        token = scheme.group(2)
        if not PLACEHOLDER.match(token):
            kind = "basic-auth" if scheme.group(1).lower() == "basic" else "authorization-header"
            yield kind, token
        return
    if _shaped(value, name):
        yield _context_kind(name), value


def credential_fields(view: bytes) -> Iterator[Found]:
    """Values of credential-named fields, every duplicate included (a parser keeps one).
    Matched on the lowered bytes (same offsets): case-blind without re's slow IGNORECASE."""
    lowered = view.lower()
    for match in _CREDENTIAL_NAME_END.finditer(lowered):
        start = _string_start(view, match.start())
        if start is None:
            continue
        name = _json_text(view[start + 1 : match.start(1)])
        if not name_says_credential(name):
            continue
        value_match = _STRING.match(view, match.end() - 1)
        if value_match is None:
            continue
        value = _json_text(value_match.group(1))
        for kind, secret in credential_values(name, value):
            offset = view.find(_json_escaped(secret), value_match.start())
            yield Found(kind, secret, offset if offset >= 0 else value_match.start())


def _string_start(view: bytes, end: int) -> int | None:
    """The opening quote of the JSON string (a key) that ``end`` lies in, looking back at
    most a short name's length."""
    position = view.rfind(b'"', max(0, end - 120), end)
    while position > 0 and _backslashes_before(view, position) % 2:
        # An escaped quote is part of the name: the opening one is further back.
        position = view.rfind(b'"', max(0, end - 120), position)
    return position if position >= 0 else None


def _json_escaped(text: str) -> bytes:
    return json.dumps(text)[1:-1].encode()


def url_credentials(url: str) -> Iterator[Found]:
    """Credentials in a url: user info, credential-named query parameters, and shaped keys
    anywhere in it once percent-decoded."""
    parts = split_url(url)
    try:
        password = parts.password
    except ValueError:
        password = None
    if password and not PLACEHOLDER.match(unquote(password)):
        yield Found("url-password", unquote(password), pointer="/request/url")
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if name_says_credential(name) and len(value) >= 8 and not PLACEHOLDER.match(value):
            yield Found("url-credential", value, pointer="/request/url")
    decoded = unquote(url)
    if decoded != url or "%" in url:
        for found in shaped_keys(decoded.encode("utf-8", "surrogatepass")):
            yield Found(found.kind, found.value, pointer="/request/url")


Piece = tuple[int, tuple[Any, ...], str]
"""A stream's text field: the chunk's index, the field's place in the chunk, its text."""


def stream_pieces(body: list[Any]) -> dict[tuple[Any, ...], list[Piece]]:
    """The text fields of a stream's chunks, grouped by their place within a chunk, in chunk
    order: (chunk index, place, text)."""
    groups: dict[tuple[Any, ...], list[Piece]] = {}
    for index, chunk in enumerate(body):
        root = sse_data(chunk) if isinstance(chunk, str) else chunk
        stack: list[tuple[tuple[Any, ...], Any]] = [((), root)]
        while stack:
            place, value = stack.pop()
            if isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, str):
                        if key in _TEXT_FIELDS and item:
                            groups.setdefault((*place, key), []).append(
                                (index, (*place, key), item)
                            )
                    elif isinstance(item, (dict, list)):
                        stack.append(((*place, key), item))
            elif isinstance(value, list):
                for position, item in enumerate(value):
                    if isinstance(item, (dict, list)):
                        stack.append(((*place, position), item))
    return groups


def sse_data(line: str) -> Any:
    """The JSON of an SSE ``data:`` line, else None."""
    for part in line.splitlines():
        if part.startswith("data:"):
            try:
                return json.loads(part[5:])
            except ValueError:
                return None
    return None


def stream_split_keys(data: Mapping[str, Any]) -> Iterator[Found]:
    """Keys that a stream spread over several chunks, at their first chunk."""
    response = data.get("response")
    body = response.get("body") if isinstance(response, Mapping) else None
    if not isinstance(body, list) or len(body) < 2:
        return
    for pieces in stream_pieces(body).values():
        if len(pieces) < 2:
            continue
        text = "".join(piece for _, _, piece in pieces)
        encoded = text.encode("utf-8", "surrogatepass")
        if not _PREFILTER.present(encoded):
            continue
        # Where each piece starts in the joined text, in bytes.
        starts: list[int] = []
        position = 0
        for _, _, piece in pieces:
            starts.append(position)
            position += len(piece.encode("utf-8", "surrogatepass"))
        for found in shaped_keys(encoded):
            assert found.offset is not None
            end = found.offset + len(found.value.encode("utf-8", "surrogatepass"))
            first = max(i for i, start in enumerate(starts) if start <= found.offset)
            last = max(i for i, start in enumerate(starts) if start < end)
            if first == last:
                continue  # whole in one chunk: the byte scan finds it there
            chunk, place, _ = pieces[first]
            pointer = f"/response/body/{chunk}"
            if not isinstance(body[chunk], str):  # an SSE line is one string: point at it
                pointer += "".join(f"/{part}" for part in place)
            held = _pieces(found.value, pieces[first : last + 1], found.offset - starts[first])
            yield Found(found.kind, found.value, pointer=pointer, pieces=held)


def _pieces(value: str, pieces: list[Piece], skip: int) -> tuple[str, ...]:
    """The part of ``value`` each chunk holds, the first starting ``skip`` bytes into its text."""
    held = []
    remaining = value
    first_text = pieces[0][2].encode("utf-8", "surrogatepass")[skip:].decode("utf-8", "replace")
    for index, (_, _, text) in enumerate(pieces):
        part_of = first_text if index == 0 else text
        part = remaining[: len(part_of)]
        held.append(part)
        remaining = remaining[len(part) :]
    return tuple(held)


def aws_secret_keys(view: bytes) -> Iterator[Found]:
    """The secret access key that stands beside an access key id: 40 base64 characters."""
    for match in _AWS_SECRET.finditer(view):
        value = match.group().decode()
        text = match.group()
        if re.search(rb"[a-z]", text) and re.search(rb"[A-Z]", text) and re.search(rb"[0-9]", text):
            yield Found("aws-secret-access-key", value, match.start())


def _where(ptr: str) -> str:
    for prefix, where in (
        ("/request/headers", "header"),
        ("/request/url", "url"),
        ("/request", "body"),
        ("/response", "response"),
        ("/id_normalization_mapping", "mapping"),
        ("/test_id", "test_id"),
    ):
        if ptr == prefix or ptr.startswith(prefix + "/"):
            return where
    return ptr.lstrip("/").split("/", 1)[0] or "file"


def _hashed(where: str, value: str, request: Any) -> bool:
    """Whether the request hash covers this place: the request body, the test id, the url
    of a raw HTTP call or the url's path."""
    if where in ("body", "test_id"):
        return True
    if where == "url" and isinstance(request, Mapping):
        if "payload" in request:
            return True
        url = request.get("url")
        return isinstance(url, str) and value in unquote(split_url(url).path)
    return False


def keys_in(raw: bytes, unhidden: bool = True, fields: bool = True) -> tuple[bytes, list[Found]]:
    """The keys in a text, by one quick pass and the rules it says may match: shaped keys,
    the values of credential-named JSON fields (``fields``), an AWS secret key beside its
    id. ``unhidden``: escapes that could hide a key are undone first (the offsets are then
    the view's, which is returned)."""
    quick = QUICK.present(raw)
    view = raw
    if unhidden and quick & _HIDES_AT:
        view = unhide(raw, True)
        quick = QUICK.present(view)
    found: list[Found] = list(shaped_keys(view, {i for i in quick if i < len(RULES)}))
    if fields and FIELD_AT in quick:
        found += credential_fields(view)
    if any(item.kind == "aws-access-key-id" for item in found):
        found += aws_secret_keys(view)
    return view, found


def scan(
    raw: bytes,
    data: Any,
    allowlist: frozenset[str] = frozenset(),
    salt: str | None = None,
) -> list[Secret]:
    """Every secret in one recording, once per place, minus the allowlisted fingerprints
    (which need the project's ``salt``)."""
    view, found = keys_in(raw)
    request = data.get("request") if isinstance(data, Mapping) else None
    if isinstance(request, Mapping) and isinstance(request.get("url"), str):
        found += url_credentials(request["url"])
    if isinstance(data, Mapping):
        found += stream_split_keys(data)
    if not found:
        return []
    # The first chunk of a split key can hold enough of it to match on its own: the whole
    # key stands for it.
    whole = [item.value for item in found if item.pieces]
    if whole:
        found = [
            item for item in found if item.pieces or not any(item.value in value for value in whole)
        ]
    places = places_of(view, [item.offset for item in found if item.offset is not None])
    pointed = {item.pointer for item in found if item.pointer}
    lines_of = locate(view, pointed) if pointed else {}
    secrets: dict[tuple[str, str], Secret] = {}
    for item in found:
        if PLACEHOLDER.match(item.value) or "<redacted:" in item.value:
            continue
        line: int | None
        if item.offset is not None:
            pointer, line = places[item.offset]
        else:
            pointer = item.pointer or ""
            line = lines_of.get(pointer, (None, None))[0]
        where = _where(pointer)
        key = (item.value, where)
        if key in secrets:
            continue
        print_ = fingerprint(item.value, salt) if salt else None
        if print_ is not None and print_ in allowlist:
            continue
        secrets[key] = Secret(
            item.kind,
            where,
            pointer,
            item.value,
            print_,
            line,
            _hashed(where, item.value, request),
            item.pieces,
        )
    return list(secrets.values())


# --- masking ---------------------------------------------------------------------------------


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex that matches any of ``words``, longest first, in time linear in the text:
    the words' trie, written as nested groups (chains of single children as literals)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = []
        for char, child in sorted(node.items()):
            if char == "":
                continue
            literal = [char]
            while len(child) == 1 and "" not in child:
                ((next_char, child),) = child.items()
                literal.append(next_char)
            branches.append(re.escape("".join(literal)) + build(child))
        if not branches:
            return ""
        group = "(?:" + "|".join(branches) + ")"
        return group + "?" if "" in node else group

    return build(trie)


# Above this many texts to mask, one trie regex beats a search per text.
_TRIE_AFTER = 16


@dataclass(frozen=True)
class Masker:
    """Replaces every secret a scan found, and every long piece of a split one, in text that
    is about to be shown."""

    secrets: tuple[Secret, ...] = ()
    _texts: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _shown: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, secrets: Iterable[Secret]) -> Masker:
        found = tuple(secrets)
        texts: dict[str, str] = {}
        for secret in found:
            shown = secret.masked
            # As shown, percent-encoded in a url, JSON-escaped in a canonical form or raw view.
            escaped = _json_escaped(secret.value).decode()
            forms = (secret.value, quote(secret.value, safe=""), escaped)
            for text in (*forms, *secret.pieces):
                if len(text) >= MIN_PIECE or text == secret.value:
                    texts.setdefault(text, shown)
        # Longest first: a piece must not cut a whole key in two.
        ordered = tuple(sorted(texts.items(), key=lambda item: -len(item[0])))
        pattern = re.compile(_trie_pattern(texts)) if len(texts) > _TRIE_AFTER else None
        return cls(found, ordered, pattern, texts)

    def __bool__(self) -> bool:
        return bool(self._texts)

    def text(self, value: str) -> str:
        if self._pattern is not None:
            shown = self._shown
            return self._pattern.sub(lambda match: shown[match.group()], value)
        for secret, masked in self._texts:
            if secret in value:
                value = value.replace(secret, masked)
        return value

    def data(self, value: Any) -> Any:
        """A copy of a parsed document with every string and key masked (iteratively: no
        depth exhausts it); a key split across a stream's chunks is cut where its pieces
        stand, so that no reassembly of the copy puts it back together."""
        if not self._texts:
            return value
        response = value.get("response") if isinstance(value, dict) else None
        body = response.get("body") if isinstance(response, dict) else None
        if (
            isinstance(response, dict)
            and isinstance(body, list)
            and any(secret.pieces for secret in self.secrets)
        ):
            from recctl.split_keys import cut_split_keys

            cut = cut_split_keys(body, self.secrets, lambda secret: secret.masked)
            value = {**value, "response": {**response, "body": cut}}
        return map_strings(value, self.text)

    def raw(self, raw: bytes) -> bytes:
        """A file's bytes with every secret masked in its JSON-escaped form."""
        view = unhide(raw)
        escaped = {_json_escaped(secret): _json_escaped(shown) for secret, shown in self._texts}
        if self._pattern is not None:
            pattern = re.compile(
                _trie_pattern(item.decode("utf-8", "replace") for item in escaped).encode()
            )
            return pattern.sub(lambda match: escaped[match.group()], view)
        for secret, masked in escaped.items():
            view = view.replace(secret, masked)
        return view


def map_strings(value: Any, change: Any) -> Any:
    """``value`` with ``change`` applied to every string in it, keys included; iterative."""

    def strings(item: Any) -> Any:
        return change(item) if isinstance(item, str) else item

    return mapped(value, strings, strings)


def mask_text(text: str) -> str:
    """``text`` (a test id, a message) with every shaped key in it masked."""
    encoded = text.encode("utf-8", "surrogatepass")
    if not _PREFILTER.present(encoded):
        return text
    found = [
        Secret(item.kind, "file", "", item.value, None)
        for item in shaped_keys(encoded)
        if not PLACEHOLDER.match(item.value)
    ]
    return Masker.of(found).text(text)


def masker_for(raw: bytes, data: Any, salt: str | None = None) -> Masker:
    """The masker of one file: every secret in it, allowlisted or not (an accepted test
    value is still not printed)."""
    return Masker.of(scan(raw, data, frozenset(), salt))
