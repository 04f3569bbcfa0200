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
``secret-allowlist`` accepts for known test values. What output shows instead of a secret is
``recctl.masking``'s.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, unquote

from recctl.locate import locate, place_runs
from recctl.scan import PatternSet, lazy_pattern
from recctl.secret_rules import PREFIX_LITERALS, PUBLIC_KEY, RULES, literals
from recctl.urls import split_url

_COMPILED = tuple(lazy_pattern(rule.pattern) for rule in RULES)
# The quick scan asks, for every rule at once, whether its leading literal occurs at all.
_PREFILTER = PatternSet([rule.prefix for rule in RULES])
# Where the literals that rules' prefixes stand for occur: in a long text, one hyperscan pass
# over all of them finds where a rule's pattern can start, where ``re`` takes a pass per rule
# whose prefix occurs (a 600 KB answer whose base64 holds "AKIA" and "dapi" by chance: 1.2 ms
# against 0.3 ms). Set up by a large run before it forks, or after 16 MiB asked.
_RULE_LITERALS = tuple(
    frozenset(PREFIX_LITERALS.index(text) for text in literals(rule.prefix)) for rule in RULES
)
_LITERAL_ENDS = PatternSet(
    [re.escape(text) for text in PREFIX_LITERALS], compile_after=16 * 2**20, every_match=True
)
# A text this long is searched from where its prefixes occur, unless they occur this often
# (a call per occurrence then costs more than ``re``'s pass).
_STARTS_FROM_SIZE = 64 * 1024
_MAX_STARTS = 4096

_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# JSON escapes of printable ASCII that the recorder never writes: one hides a key's literal
# from a byte scan. Only characters that cannot change the document's structure are undone.
_HIDING_ESCAPE = lazy_pattern(rb"\\u00([2-7][0-9a-fA-F])|\\/")
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
_NAME_WORDS = lazy_pattern(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# The end of a key that holds a credential word, followed by a string value: found by the
# word (the engine skips to its first letters), then the name is read back to its quote.
_CREDENTIAL_NAME_END_PATTERN = (
    rb'(?:key|token|secret|pass|pwd|auth|credential|cookie)[^"\\]{0,40}("\s*:\s*)"'
)
_CREDENTIAL_NAME_END = lazy_pattern(_CREDENTIAL_NAME_END_PATTERN)
# A url in the file's (unhidden) bytes, under any key named so: the request's is one of them.
_URL_PATTERN = rb'"url"\s*:\s*"'
# Escapes that can hide a key's literal from a byte scan (``unhide`` undoes them).
_HIDES = (rb"\\u00[2-7]", rb"\\/")
_STRING = lazy_pattern(rb'"((?:[^"\\]|\\.){0,16384}+)"')
_SHAPED = lazy_pattern(r"[A-Za-z0-9+/=_.~:-]{16,}")
_AUTH_SCHEME = lazy_pattern(r"^(Bearer|Basic|Token|Bot)\s+(\S+)$", re.IGNORECASE)
_AWS_SECRET = lazy_pattern(rb"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# Whether there is a run of 40 such characters at all: ``re`` tries the pattern above at
# every character (0.1 s for 4 MB), hyperscan answers this in 5 ms.
_AWS_SECRET_RUN = PatternSet([rb"[A-Za-z0-9/+]{40}"])
# Values that are already redacted or plainly placeholders are not secrets.
# Also what cassette filters leave: FILTERED, <REDACTED>, an environment variable's name
# (``Bearer OPENAI_API_KEY``), ``X-AMZ-SECURITY-TOKEN-XXX``.
_PLACEHOLDER = lazy_pattern(
    r"^(?:(?:bearer|basic|token)\s+)?(?:<redacted:[a-z0-9-]+>|\*+|x+|\.\.\.|none|null|fake|"
    r"test|dummy|placeholder|your[-_ ]?api[-_ ]?key|changeme|redacted|\$\{[A-Z_]+\}|"
    r".*(?:filtered|redacted).*|(?-i:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|.*XXX))$",
    re.IGNORECASE,
)
# The same less its scans for a word anywhere (``.*``): what a value holding none of those
# words is asked, at a tenth of the cost (a file can hold a hundred thousand keys).
_PLAIN_PLACEHOLDER = lazy_pattern(
    r"(?:(?:bearer|basic|token)\s+)?(?:<redacted:[a-z0-9-]+>|\*+|x+|\.\.\.|none|null|fake|"
    r"test|dummy|placeholder|your[-_ ]?api[-_ ]?key|changeme|redacted|\$\{[A-Z_]+\}|"
    r"(?-i:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+))",
    re.IGNORECASE,
)


def __getattr__(name: str) -> Any:
    # PLACEHOLDER compiles when first asked for: every run imports this module.
    if name == "PLACEHOLDER":
        return _PLACEHOLDER()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# What a plain placeholder starts with (lowered), and the mark of a variable's name.
_PLAIN_FIRST = frozenset("<*x.nftdpycrb$")


def is_placeholder(value: str) -> bool:
    """Whether a value is already redacted or plainly a placeholder: ``PLACEHOLDER``'s
    answer, asked only of values that can match it."""
    lowered = value.lower()
    if "xxx" in lowered or "filtered" in lowered or "redacted" in lowered:
        return _PLACEHOLDER().match(value) is not None
    if not value or (lowered[0] not in _PLAIN_FIRST and "_" not in value):
        return False
    # fullmatch, as PLACEHOLDER's ``$``, also allows one newline at the end.
    return _PLAIN_PLACEHOLDER().fullmatch(value.removesuffix("\n")) is not None


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
    others: tuple[str, ...] = ()
    """More keys of this kind at this place: one finding stands for them all, so that a
    file holding thousands costs output, memory and time per place, not per key."""

    @property
    def values(self) -> tuple[str, ...]:
        """Every key this finding stands for, ``value`` first."""
        return (self.value, *self.others)

    @property
    def masked(self) -> str:
        return mask(self.kind, self.value)

    def each(self, salt: str | None) -> Iterator[Secret]:
        """One ``Secret`` per key this one stands for (``salt``: for their fingerprints)."""
        yield replace(self, others=()) if self.others else self
        for value in self.others:
            print_ = fingerprint(value, salt) if salt else None
            yield replace(self, value=value, fingerprint=print_, others=())

    def message(self) -> str:
        many = len(self.others) > 0
        advice = (
            f"; it is part of the request hash: rotate the key{'s' if many else ''}, then re-record"
            if self.hashed
            else f"; rotate {'them' if many else 'it'}, then: recctl redact --write"
        )
        split = f", split across {len(self.pieces)} chunks" if self.pieces else ""
        count = f", {len(self.others) + 1} of them here" if many else ""
        return f"{self.kind} in the {self.where}{split}{count} ({self.shown()}){advice}"

    def shown(self) -> str:
        """The masked secret, with its fingerprint when the project has a salt."""
        if self.fingerprint is None:
            return self.masked
        return f"{self.masked}, fingerprint {self.fingerprint}"


def placeholder(kind: str) -> str:
    """What a redacted secret becomes; the scan never takes it for a secret."""
    return f"<redacted:{kind}>"


def fingerprint(value: str, salt: str) -> str:
    """HMAC-SHA256 of the secret under the project's salt: stable for the allowlist, useless
    for guessing a weak secret offline without the salt."""
    key = salt.encode("utf-8", "surrogatepass")
    text = value.encode("utf-8", "surrogatepass")
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:16]


def values_digest(values: Sequence[str]) -> str:
    """``value_digest`` of the keys one finding stands for, in the file's order: of the key
    itself for one."""
    if len(values) == 1:
        return value_digest(values[0])
    return value_digest("\n".join(values))


def value_digest(value: str) -> str:
    """SHA-256 of a secret's value: what tells two keys at one place apart, kept in memory
    and the local result cache, never shown (the baseline keys it again with its own salt)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def mask(kind: str, value: str) -> str:
    """What output shows instead of a secret: its kind, and the end of a long one."""
    tail = f" …{value[-4:]}" if len(value) >= 24 else ""
    return f"‹{kind}{tail}›"


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

    return _HIDING_ESCAPE().sub(undo, raw)


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


@dataclass(slots=True)
class Found:
    kind: str
    value: str
    offset: int | None = None
    pointer: str | None = None
    pieces: tuple[str, ...] = ()


def _overlaps(named: tuple[list[int], list[int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, disjoint spans ``named``."""
    starts, ends = named
    at = bisect.bisect_left(starts, start)
    return (at > 0 and ends[at - 1] > start) or (at < len(starts) and starts[at] < end)


def shaped_keys(view: bytes, present: set[int] | None = None) -> list[Found]:
    """Keys with a shape, anywhere in the (unhidden) bytes; ``present``: the rules whose
    prefixes the quick pass found."""
    if present is None:
        present = _PREFILTER.present(view)
    # An earlier rule's match wins a place (sk-ant- before sk-). Each rule's matches are
    # sorted and disjoint: a later rule's match is looked up in each earlier rule's spans
    # (one sorted list of them all would cost a shift per insertion: quadratic).
    named: list[tuple[list[int], list[int]]] = []
    order = sorted(present)
    literal_ends = (
        _LITERAL_ENDS.ends(view, _MAX_STARTS) if order and len(view) >= _STARTS_FROM_SIZE else None
    )
    # A list built in place, names bound locally: a file can hold a hundred thousand keys,
    # and each costs the loop below (a generator's yield cost a fifth more).
    found: list[Found] = []
    add = found.append
    word = _WORD
    size = len(view)
    for index in order:
        kind = RULES[index].kind
        # The spans are kept for the rules still to come, if any.
        keep = index != order[-1]
        bearer = kind == "bearer-token"
        fixed = kind == "aws-access-key-id"
        starts: list[int] = []
        ends: list[int] = []
        pattern = _COMPILED[index]()
        matches = (
            pattern.finditer(view)
            if literal_ends is None
            else _matches_from(pattern, view, _starts(literal_ends, _RULE_LITERALS[index]))
        )
        for match in matches:
            start, end = match.span()
            # On a token boundary: no word character before (an escape such as \n is a
            # boundary too), and for a fixed-length kind none after.
            if (
                start > 0
                and view[start - 1] in word
                and not (start >= 2 and view[start - 2] == 0x5C and view[start - 1] in b"ntr")
            ) or (fixed and end < size and view[end] in word):
                continue
            if named and any(_overlaps(spans, start, end) for spans in named):
                continue  # a longer-prefixed rule (sk-ant-) already named this place
            text = match.group()
            value = _json_text(text) if 0x5C in text else text.decode("utf-8", "replace")
            if bearer:
                value = value.removeprefix("Bearer ")
                if not (re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value)):
                    continue
            if keep:
                starts.append(start)
                ends.append(end)
            add(Found(kind, value, start))
        if starts:
            named.append((starts, ends))
    return found


def set_up_scans() -> None:
    """Load or compile the byte scans' databases now: for a run about to scan many files,
    before it forks its workers (each would otherwise set them up for itself)."""
    QUICK.set_up_now()
    _LITERAL_ENDS.set_up_now()


def _starts(ends: list[tuple[int, int]], wanted: frozenset[int]) -> list[int]:
    """Where the literals ``wanted`` (indexes into ``PREFIX_LITERALS``) start, ascending."""
    return sorted({end - len(PREFIX_LITERALS[index]) for index, end in ends if index in wanted})


def _matches_from(
    pattern: re.Pattern[bytes], view: bytes, starts: list[int]
) -> Iterator[re.Match[bytes]]:
    """``pattern.finditer(view)``, tried only at ``starts``: every match of a rule's pattern
    starts with one of its prefix's literals, so no other place can match, and a place
    inside the last match is passed over as ``finditer`` passes over it."""
    after = 0
    for start in starts:
        if start < after:
            continue
        match = pattern.match(view, start)
        if match is not None:
            after = match.end()
            yield match


def name_says_credential(name: str) -> bool:
    """Whether a header, parameter or field name says its value is a credential."""
    if "<redacted:" in name:
        return False  # a key that was itself a secret, already redacted
    words = [word.lower() for word in _NAME_WORDS().findall(name)]
    if not words or words[-1] not in _CREDENTIAL_WORDS:
        return False
    return not (set(words) & _NOT_CREDENTIAL_WORDS)


def _shaped(value: str, name: str) -> bool:
    """A value that looks like a credential rather than prose, a count or a word."""
    lowered = name.lower()
    if "pass" in lowered or "pwd" in lowered:
        return len(value) >= 4 and " " not in value
    if not _SHAPED().fullmatch(value):
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
    if is_placeholder(value.strip()) or PUBLIC_KEY.match(value.strip()):
        return
    if "cookie" in name.lower():
        for pair in value.split(";"):
            _, _, cookie = pair.strip().partition("=")
            cookie = unquote(cookie.strip().strip('"'))
            if len(cookie) >= 8 and not is_placeholder(cookie):
                yield "cookie", cookie
        return
    scheme = _AUTH_SCHEME().match(value.strip())
    if scheme:
        token = scheme.group(2)
        if not is_placeholder(token):
            kind = "basic-auth" if scheme.group(1).lower() == "basic" else "authorization-header"
            yield kind, token
        return
    if _shaped(value, name):
        yield _context_kind(name), value


def credential_fields(view: bytes) -> Iterator[Found]:
    """Values of credential-named fields, every duplicate included (a parser keeps one).
    Matched on the lowered bytes (same offsets): case-blind without re's slow IGNORECASE."""
    lowered = view.lower()
    for match in _CREDENTIAL_NAME_END().finditer(lowered):
        start = _string_start(view, match.start())
        if start is None:
            continue
        name = _json_text(view[start + 1 : match.start(1)])
        if not name_says_credential(name):
            continue
        value_match = _STRING().match(view, match.end() - 1)
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
    if password and not is_placeholder(unquote(password)):
        yield Found("url-password", unquote(password), pointer="/request/url")
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if name_says_credential(name) and len(value) >= 8 and not is_placeholder(value):
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


# Every text a rule's prefix stands for, longest first.
_PREFIXES = sorted(PREFIX_LITERALS, key=len)[::-1]
# A text field's value in compact JSON (orjson's: no space after the colon).
_PIECE = lazy_pattern(
    b'"(?:' + "|".join(sorted(_TEXT_FIELDS)).encode() + rb')":"((?:[^"\\]++|\\.)*+)"'
)


# Every way to cut a prefix in two: (its last byte before the cut, its first after, the
# start as a piece's end, the rest).
_CUTS = [
    (prefix[cut - 1 : cut], prefix[cut : cut + 1], prefix[:cut] + b"\x00", prefix[cut:])
    for prefix in _PREFIXES
    for cut in range(1, len(prefix))
]


def _split_hints() -> tuple[list[bytes], list[bytes], list[bytes]]:
    """For each start of a prefix (``s`` of ``sk-``), what a key split after it leaves in
    the file's (unhidden) bytes: a string ending with that start on a token boundary
    (``"s"``, `` s"``), and a text field that holds the rest's first letter or digit where
    the key would (``_covering``), followed by more of a key or by its end. A file in which
    no start shows both holds no such key, unless a text field holds a whole prefix (which
    the rules' own patterns see). Returns the starts, a pattern for each one's ends and one
    for its rests."""
    rests_of: dict[bytes, set[bytes]] = {}
    for prefix in _PREFIXES:
        for cut in range(1, len(prefix)):
            rests_of.setdefault(prefix[:cut], set()).add(prefix[cut:])
    field = b'"(?:' + "|".join(sorted(_TEXT_FIELDS)).encode() + rb')"\s*:\s*"'
    heads = sorted(rests_of)
    ends: list[bytes] = []
    patterns: list[bytes] = []
    for head in heads:
        starts: set[bytes] = set()
        wholes: set[bytes] = set()
        for rest in rests_of[head]:
            rest_starts, rest_wholes = _covering(rest)
            starts |= rest_starts
            wholes |= rest_wholes
        # The rest ends the piece, or the key goes on in it: a printable character that is
        # no space, quote or backslash (no rule's key holds one).
        options = [re.escape(start) + rb'[!#-\[\]-~"]' for start in sorted(starts)]
        if wholes:
            options.append(b"(?:" + b"|".join(map(re.escape, sorted(wholes))) + b')"')
        # A key starts on a token boundary: what comes before the start in its piece is no
        # word character, as bytes or as an escape (``\n``, ``\u00e9``), or nothing.
        ends.append(_BOUNDARY + re.escape(head) + b'"')
        patterns.append(field + b"(?:" + b"|".join(options) + b")")
    return heads, ends, patterns


_BOUNDARY = rb'(?:[^A-Za-z0-9_\-]|\\[bfnrt"\\/]|\\u[0-9a-fA-F]{4})'


def _covering(rest: bytes) -> tuple[set[bytes], set[bytes]]:
    """The pieces of a stream's text that can hold ``rest[pivot]`` when pieces spell
    ``rest``: the last of them starts with ``rest[k:]``, one before it is ``rest[k:e]``
    whole (k <= pivot < e < len(rest)). The pivot is the rest's first letter or digit (the
    ``B`` of ``----BEGIN``: a piece of dashes alone is in every markdown table)."""
    pivot = next((i for i, byte in enumerate(rest) if chr(byte).isalnum()), 0)
    starts = {rest[k:] for k in range(pivot + 1)}
    wholes = {rest[k:e] for k in range(pivot + 1) for e in range(pivot + 1, len(rest))}
    return starts, wholes


# One quick pass over each file answers every question the scan asks before its real work:
# which rules' prefixes occur (the first len(RULES) patterns), whether an escape hides
# something (the next two), whether a credential-named field holds a string (case-blind),
# whether a stream's lines are SSE text (their JSON is the walk's to read), whether a url
# holds user info, a query or a percent escape, where a text field starts with what a
# prefix's start needs after it (``_split_hints``), and whether a string ends with a start
# of two characters or more (a cheap literal: the token boundary before it is asked of the
# few files that need it). A start of one character ends strings everywhere: its ends are
# a second pass, over the files whose fields start with its rests.
_SPLIT_HEADS, _SPLIT_ENDS, _SPLIT_RESTS = _split_hints()
_RULES_AT = frozenset(range(len(RULES)))
_HIDES_AT = frozenset(range(len(RULES), len(RULES) + len(_HIDES)))
FIELD_AT = len(RULES) + len(_HIDES)
_SSE_AT = FIELD_AT + 1
_URL_AT = _SSE_AT + 1
_SPLIT_AT = _URL_AT + 1
_LONG_HEADS = [index for index, head in enumerate(_SPLIT_HEADS) if len(head) > 1]
_SHORT_HEADS = [index for index, head in enumerate(_SPLIT_HEADS) if len(head) == 1]
_END_AT = _SPLIT_AT + len(_SPLIT_RESTS)
QUICK = PatternSet(
    [
        *(rule.prefix for rule in RULES),
        *_HIDES,
        b"(?i)" + _CREDENTIAL_NAME_END_PATTERN,
        b"data:",
        _URL_PATTERN + rb"(?:[^\"\\]|\\.)*[@?%]",
        *_SPLIT_RESTS,
        *(re.escape(_SPLIT_HEADS[index]) + b'"' for index in _LONG_HEADS),
    ],
    hints=range(_SPLIT_AT, _END_AT + len(_LONG_HEADS)),
    # The hints are four fifths of the half second hyperscan takes to compile this set;
    # without them each stream is parsed and serialized again (0.3 ms a file). A machine
    # that keeps no compiled set compiles them in after 16 MiB: a pre-commit run or a small
    # corpus never pays for them, a large one does early, and keeps them for the next run.
    hints_compile_after=16 * 2**20,
)
# Where each long start's plain end is in QUICK.
_PLAIN_END_AT = {head: _END_AT + position for position, head in enumerate(_LONG_HEADS)}
_SHORT_END_SET = PatternSet(
    [_SPLIT_ENDS[index] for index in _SHORT_HEADS], hints=range(len(_SHORT_HEADS))
)
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _ends_a_string(view: bytes, head: bytes) -> bool:
    """Whether a string in ``view`` ends with ``head`` on a token boundary: ``_BOUNDARY``'s
    answer, found by the literal (a search for the pattern tries every byte)."""
    needle = head + b'"'
    at = view.find(needle)
    while at >= 0:
        if at == 0 or view[at - 1] not in _WORD:
            return True
        if at >= 2 and view[at - 2] == 0x5C and view[at - 1] in b"bfnrt":
            return True
        if at >= 6 and view[at - 6 : at - 4] == b"\\u" and _HEX.issuperset(view[at - 4 : at]):
            return True
        at = view.find(needle, at + 1)
    return False


def may_split(view: bytes, quick: set[int]) -> bool:
    """Whether a file (its unhidden bytes, and what the quick pass said of them) can hold a
    key split across a stream's chunks (``stream_split_keys`` then decides, exactly)."""
    if _SSE_AT in quick or QUICK.assumes_hints or not quick.isdisjoint(_RULES_AT):
        return True
    starts = {index - _SPLIT_AT for index in quick if _SPLIT_AT <= index < _END_AT}
    if not starts:
        return False
    for head in starts:
        plain = _PLAIN_END_AT.get(head)
        if plain is not None and plain in quick and _ends_a_string(view, _SPLIT_HEADS[head]):
            return True
    short = [position for position, head in enumerate(_SHORT_HEADS) if head in starts]
    return bool(short) and not _SHORT_END_SET.present(view).isdisjoint(short)


def _may_hold_split_key(body: list[Any]) -> bool:
    """False only when no key can be split across the stream's chunks: no text field holds
    a rule's prefix, and none ends with the start of one (``s``, ``sk``) while another
    starts with what follows it (``k``, ``-``). Cheaper than the walk of every chunk it
    spares (most streams); exact, as the walk's text fields are found in the chunks' JSON
    as orjson writes it, which escapes none of a prefix's characters."""
    import orjson

    if any(isinstance(chunk, str) for chunk in body):
        return True  # an SSE line's JSON is parsed by the walk: its escapes are its own
    try:
        dumped = orjson.dumps(body)
    except (TypeError, orjson.JSONEncodeError):
        return True
    pieces = _PIECE().findall(dumped)
    if len(pieces) < 2:
        return False
    # Each piece between NULs (in no prefix): a prefix found lies within one piece, and a
    # piece's start, end or whole is a search for NUL-bounded text.
    joined = b"\x00" + b"\x00".join(pieces) + b"\x00"
    if any(prefix in joined for prefix in _PREFIXES):
        return True
    # A prefix cut across pieces: one ends with its start, the next starts with the rest,
    # or whole short pieces spell the rest up to one that does (``s`` | ``k`` | ``-proj``).
    lasts = {piece[-1:] for piece in pieces}
    firsts = {piece[:1] for piece in pieces}
    for last, first, head, rest in _CUTS:
        if last in lasts and first in firsts and head in joined and _spelled(rest, joined):
            return True
    return False


# Module level, not nested in ``_may_hold_split_key``: a nested function that calls itself is
# a reference cycle (holding the joined pieces), which workers, running without the cyclic
# collector, would never free.
def _spelled(rest: bytes, joined: bytes) -> bool:
    """Whether NUL-bounded pieces of ``joined`` start with ``rest``, or spell it whole up to
    one that does (``k`` | ``-proj``)."""
    return b"\x00" + rest in joined or any(
        b"\x00" + rest[:end] + b"\x00" in joined and _spelled(rest[end:], joined)
        for end in range(1, len(rest))
    )


def stream_split_keys(data: Mapping[str, Any]) -> Iterator[Found]:
    """Keys that a stream spread over several chunks, at their first chunk."""
    response = data.get("response")
    body = response.get("body") if isinstance(response, Mapping) else None
    if not isinstance(body, list) or len(body) < 2 or not _may_hold_split_key(body):
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
    if not _AWS_SECRET_RUN.present(view):
        return
    for match in _AWS_SECRET().finditer(view):
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
    view, _, found = _quick_keys(raw, unhidden, fields)
    return view, found


def _quick_keys(
    raw: bytes, unhidden: bool = True, fields: bool = True
) -> tuple[bytes, set[int], list[Found]]:
    """``keys_in``, with what the quick pass said of the view."""
    quick = QUICK.present(raw)
    view = raw
    if unhidden and quick & _HIDES_AT:
        view = unhide(raw, True)
        quick = QUICK.present(view)
    present = quick & _RULES_AT
    found: list[Found] = shaped_keys(view, present) if present else []
    if fields and FIELD_AT in quick:
        found += credential_fields(view)
    if any(item.kind == "aws-access-key-id" for item in found):
        found += aws_secret_keys(view)
    return view, quick, found


_URL = lazy_pattern(_URL_PATTERN + rb'((?:[^"\\]++|\\.)*+)"')


def _parse_tells_more(view: bytes, quick: set[int], found: Sequence[Found], split: bool) -> bool:
    """Whether the parsed recording can add to what its bytes showed: a url that holds user
    info, a query or a percent escape (its credentials are read from the parsed url), a key
    found inside a url (whether the request hash covers it depends on the request), or a
    key split across a stream's chunks (``split``: ``may_split``'s answer)."""
    if _URL_AT in quick or split:
        return True
    offsets = [item.offset for item in found if item.offset is not None]
    return any(
        match.start(1) <= offset < match.end(1)
        for match in (_URL().finditer(view) if offsets else ())
        for offset in offsets
    )


def scan(
    raw: bytes,
    data: Any,
    allowlist: frozenset[str] = frozenset(),
    salt: str | None = None,
) -> list[Secret]:
    """Every secret in one recording, each key once per kind of place, minus the
    allowlisted fingerprints (which need the project's ``salt``)."""
    return [key for secret in scan_places(raw, data, allowlist, salt) for key in secret.each(salt)]


def scan_places(
    raw: bytes,
    data: Any,
    allowlist: frozenset[str] = frozenset(),
    salt: str | None = None,
    parse: Callable[[bytes], Any] | None = None,
) -> list[Secret]:
    """The secrets of one recording as findings: the keys of one kind at one place are one
    ``Secret`` (``values``), so that a file of a hundred thousand keys costs per place.

    ``parse`` (instead of ``data``): the recording is parsed only when its bytes show that
    the parse can add to what they hold (``_parse_tells_more``), most files never; what it
    returns for a file that does not parse (None) is scanned as text."""
    view, quick, found = _quick_keys(raw)
    # Asked only where a parse can follow it: a text scanned alone (a file no recorder
    # writes) has no stream to walk.
    split = (parse is not None or isinstance(data, Mapping)) and may_split(view, quick)
    if parse is not None:
        data = parse(raw) if _parse_tells_more(view, quick, found, split) else None
    request = data.get("request") if isinstance(data, Mapping) else None
    if isinstance(request, Mapping) and isinstance(request.get("url"), str):
        found += url_credentials(request["url"])
    if isinstance(data, Mapping) and split:
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
    pointed = {item.pointer for item in found if item.pointer}
    lines_of = locate(view, pointed) if pointed else {}
    gathered = Gathered(salt, allowlist)
    # What each pointer says: where it is, and whether the request hash covers it (which
    # depends on the key only in a url: None there).
    place_of: dict[str, tuple[str, bool | None]] = {}
    runs = _place_runs(view, found, lines_of)
    found.reverse()  # taken from the end, so that each item is freed once gathered
    for pointer, line, count in runs:
        place = place_of.get(pointer)
        if place is None:
            where = _where(pointer)
            covered = None if where == "url" else _hashed(where, "", request)
            place = place_of[pointer] = (where, covered)
        where, covered = place
        if covered is not None and count > 1 and not any(i.pieces for i in _last(found, count)):
            # Keys in a run at one place: gathered by kind, not one by one.
            for kind, items in itertools.groupby(_last(found, count), key=_KIND):
                values = (item.value for item in items)
                gathered.add_run(kind, where, pointer, values, line, covered)
        else:
            for item in _last(found, count):
                hashed = covered if covered is not None else _hashed(where, item.value, request)
                gathered.add(item.kind, where, pointer, item.value, line, hashed, item.pieces)
        del found[-count:]
    return gathered.secrets()


_KIND = operator.attrgetter("kind")


def _last(reversed_items: list[Found], count: int) -> Iterator[Found]:
    """The last ``count`` items of a reversed list, in their first order, not copied (a run
    can be a hundred thousand keys)."""
    return itertools.islice(reversed(reversed_items), count)


def _place_runs(
    view: bytes, found: list[Found], lines_of: Mapping[str, tuple[int, int]]
) -> Iterator[tuple[str, int | None, int]]:
    """(pointer, line, count) over the items found, in turn: the next ``count`` items are
    at that place, from their offsets in ``view``, else from the pointer they name.

    The leading items whose offsets ascend (a pass's keys, in order: all of them in most
    files) come in runs, one per place, from one pass over the view; the rest (another
    pass's keys, or keys named by pointer) come one by one. What the runs need is taken
    now, so that the items may be freed as they are gathered."""
    offsets = [item.offset for item in found]
    ascending: list[int] = []
    for offset in offsets:
        if offset is None or (ascending and offset < ascending[-1]):
            break
        ascending.append(offset)
    head = len(ascending)
    in_order = place_runs(view, ascending)
    rest = offsets[head:]
    named = iter([item.pointer or "" for item in found[head:] if item.offset is None])
    known = sorted({offset for offset in rest if offset is not None})
    at: dict[int, tuple[str, int]] = {}
    if known:
        places = (
            (pointer, line)
            for pointer, line, count in place_runs(view, known)
            for _ in range(count)
        )
        at = dict(zip(known, places, strict=True))
    del known

    def each() -> Iterator[tuple[str, int | None, int]]:
        yield from in_order
        for offset in rest:
            if offset is None:
                pointer = next(named)
                yield pointer, lines_of.get(pointer, (None, None))[0], 1
            else:
                yield *at[offset], 1

    return each()


def not_allowed(
    found: Sequence[Secret], allowlist: frozenset[str], salt: str | None
) -> list[Secret]:
    """The secrets less the keys whose fingerprints the project accepts (a gathered secret
    loses its accepted keys; one whose keys are all accepted goes)."""
    if not allowlist:
        return list(found)
    if salt:
        found = [less_allowed(s, allowlist, salt) if s.others else s for s in found]
    return [s for s in found if s.fingerprint not in allowlist]


def less_allowed(secret: Secret, allowlist: frozenset[str], salt: str) -> Secret:
    """A gathered secret less the keys whose fingerprints the project accepts (the first
    left stands for the others; all accepted: the first's print, which is accepted)."""
    left = [value for value in secret.values if fingerprint(value, salt) not in allowlist]
    if not left:
        return secret if len(secret.values) == 1 else replace(secret, others=())
    if left[0] == secret.value and len(left) == len(secret.values):
        return secret
    first = fingerprint(left[0], salt)
    return replace(secret, value=left[0], fingerprint=first, others=tuple(left[1:]))


class Gathered:
    """Secrets as a scan finds them, made findings: placeholders dropped, a key counted once
    per kind of place (``where``), and the keys of one kind at one place (pointer) gathered
    into one ``Secret`` (a split key stays on its own: its pieces are its own)."""

    def __init__(self, salt: str | None, allowlist: frozenset[str] = frozenset()) -> None:
        self.salt = salt
        self.allowlist = allowlist
        self._seen: dict[str, set[str]] = {}
        self._firsts: dict[tuple[Any, ...], Secret] = {}
        self._others: dict[tuple[Any, ...], list[str]] = {}
        # The place the last key went to: keys come in runs at one place.
        self._last: tuple[str, str, bool, list[str]] | None = None

    def add(
        self,
        kind: str,
        where: str,
        pointer: str,
        value: str,
        line: int | None,
        hashed: bool,
        pieces: tuple[str, ...] = (),
    ) -> None:
        if self._kept(where, (value,)):
            self._put(kind, where, pointer, value, line, hashed, pieces)

    def add_run(
        self,
        kind: str,
        where: str,
        pointer: str,
        values: Iterable[str],
        line: int | None,
        hashed: bool,
    ) -> None:
        """``add`` of each of ``values`` in turn (keys of one kind at one place, none split):
        the keys after the first go straight to the first's place."""
        kept = self._kept(where, values)
        if kept:
            self._put(kind, where, pointer, kept[0], line, hashed, ())
            assert self._last is not None  # _put keeps the place of a key with no pieces
            self._last[3].extend(itertools.islice(kept, 1, None))

    def _kept(self, where: str, values: Iterable[str]) -> list[str]:
        """The keys of ``values`` that are kept, in turn: no placeholder, not yet seen at
        this kind of place (each is seen from then on), and not accepted by the allowlist.
        One loop for a run: a run can be a hundred thousand keys long."""
        seen = self._seen.setdefault(where, set())
        salt = self.salt if self.allowlist else None  # no allowlist: no print to compare
        kept: list[str] = []
        for value in values:
            if value in seen or "<redacted:" in value or is_placeholder(value):
                continue
            seen.add(value)
            if salt and fingerprint(value, salt) in self.allowlist:
                continue
            kept.append(value)
        return kept

    def _put(
        self,
        kind: str,
        where: str,
        pointer: str,
        value: str,
        line: int | None,
        hashed: bool,
        pieces: tuple[str, ...],
    ) -> None:
        last = self._last
        # The same kind at the same pointer (which says where) and alike hashed: that place.
        if last is not None and not pieces and last[:3] == (kind, pointer, hashed):
            last[3].append(value)
            return
        place = (kind, where, pointer, hashed, pieces or None)
        if pieces or place not in self._firsts:
            key = (*place, len(self._firsts)) if pieces else place
            print_ = fingerprint(value, self.salt) if self.salt else None
            self._firsts[key] = Secret(kind, where, pointer, value, print_, line, hashed, pieces)
            if not pieces:
                self._last = (kind, pointer, hashed, self._others.setdefault(place, []))
        else:
            others = self._others.setdefault(place, [])
            others.append(value)
            self._last = (kind, pointer, hashed, others)

    def secrets(self) -> list[Secret]:
        return [
            replace(first, others=tuple(self._others[key])) if self._others.get(key) else first
            for key, first in self._firsts.items()
        ]
