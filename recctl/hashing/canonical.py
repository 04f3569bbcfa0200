"""The pieces every hash scheme is made of: request kinds and value normalizations.

Everything here reproduces llama-stack's recorder exactly, byte for byte: the canonical JSON
is ``json.dumps(obj, sort_keys=True)`` with its defaults, because that is what the recorder
hashed (float repr, ``ensure_ascii`` and separators all matter).
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import json.encoder
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from recctl.scan import PatternSet
from recctl.urls import split_url


class RequestKind(str, enum.Enum):
    """What was recorded, told apart by the request's keys (the schema uses the same order)."""

    INFERENCE = "inference"
    TOOL = "tool invocation"
    RAW_HTTP = "raw HTTP"
    FILE_PROCESSOR = "file processor"


def request_kind(request: Mapping[str, Any]) -> RequestKind:
    if "tool_name" in request:
        return RequestKind.TOOL
    if "payload" in request:
        return RequestKind.RAW_HTTP
    if "file_id" in request:
        return RequestKind.FILE_PROCESSOR
    return RequestKind.INFERENCE


def recorded_endpoint(request: Mapping[str, Any]) -> str | None:
    """What a request was sent to: the recorded endpoint, else the url, else the tool."""
    for key in ("endpoint", "url", "tool_name"):
        value = request.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def canonical_json(value: Any, memo: Memo | None = None) -> str:
    """The recorder's canonical JSON: ``json.dumps(value, sort_keys=True)``, byte for byte.

    With a memo, a top-level object is assembled the way ``json.dumps`` assembles it, from
    the memoized text of each member, so that schemes sharing a body serialize it once.
    """
    if memo is None or not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return _sorted_json(value)
    members = (f"{_encode_string(key)}: {memo.text(value[key])}" for key in sorted(value))
    return "{" + ", ".join(members) + "}"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


StringRule = Callable[[str], str]


_DECIMAL = re.compile(r"-?\d+\.\d{4,}")
_DOT_FOUR = re.compile(r"\.\d{4}")


def round_decimal_literals(text: str) -> str:
    """Scheme 3: every decimal literal with 4+ places in a string, printed with 5.

    ``_DECIMAL.sub`` does it, but its pattern starts with no literal, so the engine tries it
    at every character of long texts. Every match holds a ``.dddd`` and starts at the run of
    digits just before it (or its minus sign, which prints the same either way): the dots
    are found at memchr speed and the pattern is tried only there, with the same
    left-to-right, non-overlapping result.
    """
    hit = _DOT_FOUR.search(text)
    if hit is None:
        return text
    parts: list[str] = []
    done = 0
    while hit is not None:
        dot = begin = hit.start()
        while begin > done and text[begin - 1].isdecimal():  # what \d matches
            begin -= 1
        match = _DECIMAL.match(text, begin) if begin < dot else None
        if match is None:  # no digit before this dot: not a literal
            hit = _DOT_FOUR.search(text, dot + 1)
            continue
        parts += (text[done:begin], f"{float(match.group()):.5f}")
        done = match.end()
        hit = _DOT_FOUR.search(text, done)
    return "".join(parts) + text[done:] if parts else text


_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Each pattern with the literal every match of it holds: a text without it is skipped
# (the attributes pattern starts with no literal, so a search for it tries every character).
_FILE_SEARCH = (
    ("score:", re.compile(r"score:\s*[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?"), "score: __NORMALIZED__"),
    ("attributes:", re.compile(r",?\s*attributes:\s*\{[^}]*\}"), ""),
    ("document_id:", re.compile(r"document_id:\s*" + _UUID), "document_id: __NORMALIZED__"),
    ("<|", re.compile(r"<\|" + _UUID + r"\|>"), "<|__NORMALIZED__|>"),
)


def normalize_file_search(text: str) -> str:
    """Scheme 4 (2026-04-09): file-search scores, attributes and document ids in strings."""
    for literal, pattern, replacement in _FILE_SEARCH:
        # Checked on the text as the patterns before left it.
        if literal in text:
            text = pattern.sub(replacement, text)
    return text


def normalize_file_search_then_round(text: str) -> str:
    """Scheme 4's string rule: file-search patterns first (they match raw scores that
    rounding would rewrite), then decimals."""
    return round_decimal_literals(normalize_file_search(text))


def normalize_values(value: Any, rule: StringRule) -> Any:
    """``value`` with every string passed through ``rule`` and every float rounded to 5
    places; keys are left alone, as the recorder did. What the rules leave as it was comes
    back as the same object, so that its canonical text is reused, not made again."""
    kind = type(value)  # parsed JSON: exact types, and a quicker test than isinstance
    if kind is str:
        return rule(value)
    if kind is float:
        rounded = round(value, 5)
        return value if rounded == value else rounded
    if kind is dict:
        items = {key: normalize_values(item, rule) for key, item in value.items()}
        return value if all(map(operator.is_, items.values(), value.values())) else items
    if kind is list:
        elements = [normalize_values(item, rule) for item in value]
        return value if all(map(operator.is_, elements, value)) else elements
    return value


def apply_id_mapping(value: Any, mapping: Mapping[str, str]) -> Any:
    """Replace every occurrence of each mapped value by its key, in keys and strings alike,
    as the recorder does to the whole file when it loads it."""
    if not mapping:
        return value
    if isinstance(value, str):
        for normalized, original in mapping.items():
            if original and isinstance(original, str) and isinstance(normalized, str):
                value = value.replace(original, normalized)
        return value
    if isinstance(value, dict):
        return {
            apply_id_mapping(key, mapping): apply_id_mapping(item, mapping)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [apply_id_mapping(item, mapping) for item in value]
    return value


# What a value's canonical JSON shows when a scheme's rules could change it. Decimal rules
# and float rounding: a dot before 4 digits (a decimal with 4+ places), a dot before an
# escape within its first 4 places (the rule's \d takes any Unicode digit, and JSON spells
# those "\u0661"), or a float such as 1e-07. Scheme 4's file-search patterns: their literal
# parts, which JSON leaves as they are (ASCII, nothing to escape); ``<|`` alone is common in
# prompt templates, so the id token is asked for whole. Most requests show none of them, and
# every scheme reuses the body as it is.
_ROUNDING_PATTERNS = [rb"\.[0-9]{4}", rb"\.[0-9]{0,3}\\u", rb"[0-9][eE]-"]
_FILE_SEARCH_PATTERNS = [rb"score:", rb"attributes:", rb"document_id:", rb"<\|[0-9a-f]{8}-"]
_HINTS = PatternSet(_ROUNDING_PATTERNS + _FILE_SEARCH_PATTERNS)
# Which of the scan's pattern numbers answer which question, from the two lists' lengths.
_ROUNDING_HINTS = frozenset(range(len(_ROUNDING_PATTERNS)))
_FILE_SEARCH_HINTS = frozenset(range(len(_ROUNDING_PATTERNS), len(_HINTS.patterns)))


def set_up_scans() -> None:
    """Set up the hints' scan now: a run is about to hash many requests."""
    _HINTS.set_up_now()


class Memo:
    """Per-recording memory shared by the schemes, so that equal work is done once.

    Most requests have no decimals and no file-search text: one scan of their JSON text shows
    that, and every scheme then reuses the body as it is instead of walking it again.
    """

    def __init__(self) -> None:
        self._values: dict[tuple[str, int], tuple[Any, Any]] = {}

    def get(self, kind: str, value: Any, compute: Callable[[Any], Any]) -> Any:
        key = (kind, id(value))
        hit = self._values.get(key)
        if hit is None:
            # Keep ``value`` alive with its result, so that its id cannot be reused.
            hit = self._values[key] = (value, compute(value))
        return hit[1]

    def text(self, value: Any) -> str:
        """``json.dumps(value, sort_keys=True)``, once per object."""
        if isinstance(value, str):
            return _encode_string(value)
        if value is None:
            return "null"
        if isinstance(value, (dict, list)):
            return str(self.get("text", value, _sorted_json))
        return _sorted_json(value)

    def hints(self, value: Any) -> frozenset[int]:
        """Which of ``_HINTS`` the value's canonical JSON shows (it is pure ASCII)."""
        found: frozenset[int] = self.get(
            "hints", value, lambda v: frozenset(_HINTS.present(self.text(v).encode()))
        )
        return found


# A corpus sends its requests to a handful of urls: each is parsed once per process.
@functools.lru_cache(maxsize=4096)
def url_parts(url: str) -> tuple[str, str]:
    """The url's path and host."""
    parsed = split_url(url)
    return parsed.path, parsed.hostname or ""


# What json.dumps uses for strings with ensure_ascii=True (its C implementation).
_encode_string: Callable[[str], str] = json.encoder.encode_basestring_ascii


# json.dumps(value, sort_keys=True) builds an encoder on every call; this one is made once.
# Parsed JSON and the forms made from it hold no cycles: the encoder's guard against them
# (a dict of every container's id) is a tenth of its time and changes no byte it writes.
_sorted_json: Callable[[Any], str] = json.JSONEncoder(sort_keys=True, check_circular=False).encode


def may_change_by_rounding(value: Any, memo: Memo) -> bool:
    return not memo.hints(value).isdisjoint(_ROUNDING_HINTS)


def may_hold_file_search_text(value: Any, memo: Memo) -> bool:
    return not memo.hints(value).isdisjoint(_FILE_SEARCH_HINTS)


# A float token in canonical JSON follows ": ", ", " or "[", and Python prints every float
# of 2**64 or more with a positive exponent: "1.8446744073709552e+19". Base64 text is full of
# "e+", so the token is matched whole, in one pass.
_EXPONENT_FLOAT = PatternSet([rb"[ \[]-?[0-9](?:\.[0-9]+)?e\+"])


def may_be_lossy(canonical_text: str) -> bool:
    """Whether a canonical form may hold an integer beyond 64 bits that a fast parse turned
    into a float."""
    return "e+" in canonical_text and bool(_EXPONENT_FLOAT.present(canonical_text.encode()))
