"""What output shows instead of secrets: every key a scan found (and each long piece of one a
stream split) replaced by its masked form, and what redaction writes instead of them.

Replacing many texts at once costs time in the text's length, not in their number: a file of a
hundred thousand keys is masked by the rules' own patterns and a lookup, not by a search per
key (``substitution``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from recctl.secret_rules import RULES
from recctl.secrets import (
    _PREFILTER,
    MIN_PIECE,
    Secret,
    _json_escaped,
    is_placeholder,
    placeholder,
    scan_places,
    shaped_keys,
    unhide,
)
from recctl.walk import mapped


def replacer(found: Sequence[Secret]) -> Callable[[str], str]:
    """What a text becomes with each secret (as it is, or percent-encoded) replaced by its
    placeholder, longest first: a key never cuts a longer one in two."""
    pairs: dict[str, str] = {}
    for secret in found:
        for value in secret.values:
            pairs.setdefault(value, placeholder(secret.kind))
            pairs.setdefault(quote(value, safe=""), placeholder(secret.kind))
    return substitution(pairs)


# Above this many texts to replace, one trie regex beats a search per text; above the second,
# the texts that are whole keys of a rule are found by the rules' own patterns and looked up
# (a trie of a hundred thousand keys costs seconds to compile).
_TRIE_AFTER = 16
_LOOKUP_AFTER = 1000
_ANY_RULE: list[re.Pattern[str]] = []


def _any_rule() -> re.Pattern[str]:
    if not _ANY_RULE:
        _ANY_RULE.append(re.compile("|".join(f"(?:{rule.pattern.decode()})" for rule in RULES)))
    return _ANY_RULE[0]


def substitution(pairs: Mapping[str, str]) -> Callable[[str], str]:
    """A function that replaces every key of ``pairs`` in a text by its value, a longer key
    before any it contains; its cost grows with the text, not with the number of keys."""
    if len(pairs) <= _TRIE_AFTER:
        ordered = sorted(pairs.items(), key=lambda item: -len(item[0]))

        def in_turn(text: str) -> str:
            for old, new in ordered:
                if old in text:
                    text = text.replace(old, new)
            return text

        return in_turn
    shaped: dict[str, str] = {}
    if len(pairs) > _LOOKUP_AFTER:
        whole = _any_rule().fullmatch
        shaped = {old: new for old, new in pairs.items() if whole(old)}
    rest = {old: new for old, new in pairs.items() if old not in shaped}
    trie = re.compile(_trie_pattern(rest)) if rest else None
    rule = _any_rule() if shaped else None

    def at_once(text: str) -> str:
        if trie is not None:
            text = trie.sub(lambda match: rest[match.group()], text)
        if rule is not None:
            text = rule.sub(lambda match: shaped.get(match.group(), match.group()), text)
        return text

    return at_once


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex that matches any of ``words``, longest first, in time linear in the text:
    the words' trie, written as nested groups (chains of single children as literals)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    return _trie_group(trie)


# Module level, not nested in ``_trie_pattern``: a nested function that calls itself is a
# reference cycle, which workers (running without the cyclic collector) would never free.
def _trie_group(node: dict[str, Any]) -> str:
    branches = []
    for char, child in sorted(node.items()):
        if char == "":
            continue
        literal = [char]
        while len(child) == 1 and "" not in child:
            ((next_char, child),) = child.items()
            literal.append(next_char)
        branches.append(re.escape("".join(literal)) + _trie_group(child))
    if not branches:
        return ""
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if "" in node else group


@dataclass(frozen=True)
class Masker:
    """Replaces every secret a scan found, and every long piece of a split one, in text that
    is about to be shown."""

    secrets: tuple[Secret, ...] = ()
    _shown: dict[str, str] = field(default_factory=dict, repr=False)
    _change: Callable[[str], str] = field(default=str, repr=False)

    @classmethod
    def of(cls, secrets: Iterable[Secret]) -> Masker:
        found = tuple(secrets)
        texts: dict[str, str] = {}
        for secret in found:
            shown = secret.masked
            for value in secret.values:
                # As shown, percent-encoded in a url, JSON-escaped in a canonical form or raw.
                escaped = _json_escaped(value).decode()
                for text in (value, quote(value, safe=""), escaped):
                    if len(text) >= MIN_PIECE or text == value:
                        texts.setdefault(text, shown)
            for text in secret.pieces:
                if len(text) >= MIN_PIECE:
                    texts.setdefault(text, shown)
        return cls(found, texts, substitution(texts))

    def __bool__(self) -> bool:
        return bool(self._shown)

    def text(self, value: str) -> str:
        return self._change(value)

    def data(self, value: Any) -> Any:
        """A copy of a parsed document with every string and key masked (iteratively: no
        depth exhausts it); a key split across a stream's chunks is cut where its pieces
        stand, so that no reassembly of the copy puts it back together."""
        if not self._shown:
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
        escaped = {
            _json_escaped(secret).decode(): _json_escaped(shown).decode()
            for secret, shown in self._shown.items()
        }
        text = view.decode("utf-8", "surrogateescape")
        return substitution(escaped)(text).encode("utf-8", "surrogateescape")


def map_strings(value: Any, change: Any) -> Any:
    """``value`` with ``change`` applied to every string in it, keys included; iterative."""

    def strings(item: Any) -> Any:
        return change(item) if isinstance(item, str) else item

    return mapped(value, strings, strings)


def mask_text(text: str) -> str:
    """``text`` (a test id, a message) with every shaped key in it masked."""
    encoded = text.encode("utf-8", "surrogatepass")
    present = _PREFILTER.present(encoded)
    if not present:
        return text
    found = [
        Secret(item.kind, "file", "", item.value, None)
        for item in shaped_keys(encoded, present)
        if not is_placeholder(item.value)
    ]
    return Masker.of(found).text(text)


def masker_for(raw: bytes, data: Any, salt: str | None = None) -> Masker:
    """The masker of one file: every secret in it, allowlisted or not (an accepted test
    value is still not printed)."""
    return Masker.of(scan_places(raw, data, frozenset(), salt))
