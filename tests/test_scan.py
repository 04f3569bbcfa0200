"""Quick scans answer exactly as the plain ``re`` calls they stand for."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recctl import secret_rules, secrets
from recctl.hashing import canonical
from recctl.scan import PatternSet
from recctl.secret_rules import RULES, Rule, literals
from tests.conftest import recording_files

pieces = st.sampled_from(
    [
        *(
            ".1234",
            ".123",
            ".12\\u0663",
            "\\u",
            "1e-07",
            "E-",
            "score:",
            "attributes:",
            "document_id:",
            "<|",
        ),
        *("<|0123abcd-", "sk-", "-----BEGIN ", "Bearer ", "ghp_", "AKIA", "\\u002d", "\\/"),
        *('"Api_Key": "', '"x-TOKEN" : "', '"password":"'),
        *(
            "e+",
            " 1e+20",
            "[9.2e+18",
            " -1.8446744073709552e+19",
            " 1.",
            "9" * 30,
            f"[1.{'0' * 40}e+",
        ),
    ]
)
strings = st.lists(pieces | st.text(alphabet='09afz.:-+e |<[\\"', max_size=8), max_size=16).map(
    "".join
)
texts = strings.map(str.encode)
# Copies that use hyperscan from their first call.
SETS = [
    PatternSet(patterns.patterns, compile_after=0)
    for patterns in (
        secrets._PREFILTER,
        secrets.QUICK,
        canonical._HINTS,
        canonical._EXPONENT_FLOAT,
    )
]


@given(texts)
@settings(max_examples=400, deadline=None)
def test_one_pass_and_re_agree(data: bytes) -> None:
    for patterns in SETS:
        assert patterns.present(data) == patterns.present_by_re(data)
        assert patterns._database is not None


def test_a_pattern_set_reports_each_pattern_it_finds() -> None:
    patterns = PatternSet([rb"ab+c", rb"\.[0-9]{4}", rb"zz"])
    assert patterns.present(b"xx abbbc 1.23456") == {0, 1}
    assert patterns.present(b"") == set()


def test_hyperscan_is_set_up_once_enough_has_been_scanned() -> None:
    patterns = PatternSet([rb"sk-"], compile_after=10)
    assert patterns.present(b"12345 sk-") == {0}
    assert patterns._database is None  # a pre-commit run's few files: re alone
    assert patterns.present(b"67890") == set()
    assert patterns._database is not None
    assert patterns.present(b"x sk-") == {0}


@given(strings)
@settings(max_examples=400, deadline=None)
def test_the_lossy_float_check_is_the_whole_text_search(text: str) -> None:
    expected = re.search(r"[ \[]-?[0-9](?:\.[0-9]+)?e\+", text) is not None
    assert canonical.may_be_lossy(text) is expected


decimal_texts = st.lists(
    st.sampled_from(["1", "12", ".", "-", "--", "0.12345", "3.1415926", "٣", "x", " ", ",", "e"]),
    max_size=24,
).map("".join)


@given(decimal_texts | st.text(max_size=40))
@settings(max_examples=500, deadline=None)
def test_rounding_from_the_dots_equals_the_plain_substitution(text: str) -> None:
    expected = canonical._DECIMAL.sub(lambda match: f"{float(match.group()):.5f}", text)
    assert canonical.round_decimal_literals(text) == expected


search_texts = st.lists(
    st.sampled_from(
        [
            *("score: 0.81", "score:", ", attributes: {a: 1}", "attributes:", "}", "{"),
            *("document_id:", " 0123abcd-0000-4000-8000-00000000abcd", "<|", "|>", ", ", "\n"),
            *("0123abcd-0000-4000-8000-00000000abcd", "<|0123abcd-0000-4000-8000-00000000abcd|>"),
        ]
    ),
    max_size=12,
).map("".join)


@given(search_texts)
@settings(max_examples=500, deadline=None)
def test_file_search_rules_skipped_by_their_literal_change_nothing(text: str) -> None:
    expected = text
    for _, pattern, replacement in canonical._FILE_SEARCH:
        expected = pattern.sub(replacement, expected)
    assert canonical.normalize_file_search(text) == expected


def test_without_hyperscan_re_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hyperscan", None)  # import hyperscan now fails
    patterns = PatternSet([rb"sk-", rb"\.[0-9]{4}"], compile_after=0)
    assert patterns.present(b"x 1.23456 sk-") == {0, 1}
    assert patterns.present(b"sk-") == {0}
    assert patterns._database is None


def test_without_hyperscan_hints_are_reported_present(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hint only sends the caller to an exact check: where asking ``re`` costs more than
    the check, ``re`` reports it present, and the scan of a stream looks at every chunk."""
    monkeypatch.setitem(sys.modules, "hyperscan", None)
    patterns = PatternSet([rb"sk-", rb"zz", rb"yy"], compile_after=0, hints=range(1, 3))
    assert patterns.present(b"sk-") == {0, 1, 2}
    assert patterns.present(b"") == {1, 2}
    with pytest.raises(ValueError):
        PatternSet([rb"sk-", rb"zz"], hints=range(0, 1))
    quick = PatternSet(secrets.QUICK.patterns, compile_after=0, hints=secrets.QUICK.hints)
    monkeypatch.setattr(secrets, "QUICK", quick)
    ends = secrets._SHORT_END_SET
    monkeypatch.setattr(secrets, "_SHORT_END_SET", PatternSet(ends.patterns, 0, ends.hints))
    view, found, _ = secrets._quick_keys(b'{"content": "plain"}')
    assert secrets.may_split(view, found)


def _hyperscan_now() -> None:
    """The scan's pattern sets answer by hyperscan from now on, hints included (not after
    256 KiB, and 64 MiB for the hints)."""
    secrets.QUICK.compile_after = secrets._SHORT_END_SET.compile_after = 0
    secrets.QUICK.hints_compile_after = 0


def test_every_rule_prefix_expands_to_the_texts_it_matches() -> None:
    for rule in RULES:
        texts = literals(rule.prefix)
        assert texts and all(re.fullmatch(rule.prefix, text) for text in texts), rule.kind
        assert all(re.match(rule.prefix, text) for text in texts)
    assert sorted(literals(rb"A(?:KIA|SIA)x[bc]")) == [b"AKIAxb", b"AKIAxc", b"ASIAxb", b"ASIAxc"]


# Pieces of a stream's text: key material, the starts and ends of every prefix, prose.
_KEY = "sk-proj-" + "Tz4kQ9mW2xLp" * 3
_stream_piece = st.one_of(
    st.sampled_from(
        [" the", " answer", "-", "s", "k", "sk", "A", "KIA", "\n", " ", "Be", "é", '"', "\\", "\t"]
    ),
    st.builds(lambda a, b: _KEY[a:b], st.integers(0, len(_KEY)), st.integers(0, len(_KEY))),
    st.builds(
        lambda text, a, b: text[a:b],
        st.sampled_from([secrets.placeholder("x"), "AKIAIOSFODNN7EXAMPL3", "Bearer abc"]),
        st.integers(0, 20),
        st.integers(0, 24),
    ),
)
_field = st.sampled_from(["content", "text", "arguments", "delta", "other"])


@given(st.lists(st.tuples(_field, _stream_piece, st.integers(0, 1)), min_size=2, max_size=24))
@settings(max_examples=1500, deadline=None)
def test_the_split_key_prefilter_never_spares_a_stream_that_holds_one(
    parts: list[tuple[str, str, int]],
) -> None:
    """Whatever the walk of every chunk finds, the cheap test lets it look."""
    body = [
        {"__data__": {"choices": [{"index": choice, "delta": {field: piece}}]}}
        for field, piece, choice in parts
    ]
    walked = list(_split_keys_walked(body))
    if walked:
        assert secrets._may_hold_split_key(body), (parts, walked)
    assert list(secrets.stream_split_keys({"response": {"body": body}})) == walked


def _split_keys_walked(body: list[Any]) -> list[secrets.Found]:
    """stream_split_keys without its prefilter."""
    original = secrets._may_hold_split_key
    secrets._may_hold_split_key = lambda body: True
    try:
        return list(secrets.stream_split_keys({"response": {"body": body}}))
    finally:
        secrets._may_hold_split_key = original


def test_the_split_key_prefilter_spares_only_what_the_walk_clears_on_the_corpus(
    corpus: Path,
) -> None:
    """Every stream of the shared corpus, recordings and cassettes' decoded events alike:
    the prefilter lets the walk look wherever it would find something, and spares most."""
    from recctl import recorders

    streams = spared = 0
    for path in [*recording_files(corpus), *corpus.rglob("*.yaml")]:
        try:
            fixture = recorders.load(path, 64 * 2**20)
        except (recorders.NotARecording, recorders.LoadError):
            continue
        for interaction in fixture.recorder.interactions(fixture):
            view = interaction.view
            response = view.get("response") if isinstance(view, dict) else None
            body = response.get("body") if isinstance(response, dict) else None
            if not isinstance(body, list) or len(body) < 2:
                continue
            streams += 1
            if not secrets._may_hold_split_key(body):
                spared += 1
                assert not _split_keys_walked(body), path
    assert streams > 500 and spared > streams * 0.9, (streams, spared)


# Letters and marks of the rules' prefixes, which a recording an attacker wrote can escape.
_ESCAPABLE = "kKAIBSyJ-_"


def _recording_text(body: list[Any], url: str, escaped: str) -> bytes:
    """A streamed recording as the recorder writes it (indented), with every character of
    ``escaped`` written as a JSON escape, as an attacker may."""
    data = {
        "test_id": "t",
        "request": {"method": "POST", "url": url, "body": {"model": "m"}},
        "response": {"body": body, "is_streaming": True},
    }
    text = json.dumps(data, indent=2)
    for char in escaped:
        # Inside strings only: the document's structure holds none of these but "-" in
        # numbers, and it has none.
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text.encode()


@given(
    st.lists(st.tuples(_field, _stream_piece, st.integers(0, 1)), min_size=2, max_size=24),
    st.sampled_from(
        [
            "http://localhost:11434/v1/chat/completions",
            "https://user:hunter2-long-pass@example.com/v1",
            "https://example.com/v1?api_key=abcdefgh12345678",
            "https://example.com/v1/" + _KEY,
            "https://example.com/%73k-proj-" + "Tz4kQ9mW2xLp" * 3,
        ]
    ),
    st.sets(st.sampled_from(_ESCAPABLE), max_size=3),
)
@settings(max_examples=1500, deadline=None)
def test_the_scan_parses_only_what_tells_it_more_and_loses_nothing(
    parts: list[tuple[str, str, int]], url: str, escaped: set[str]
) -> None:
    """The secret check's scan of a recording's bytes, parsing only when they show a url or
    a stream the parse can tell more of, finds what the scan of the parsed recording finds;
    the quick pass never spares a stream the walk of every chunk finds a split key in."""
    _hyperscan_now()
    body = [
        {"__data__": {"choices": [{"index": choice, "delta": {field: piece}}]}}
        for field, piece, choice in parts
    ]
    raw = _recording_text(body, url, "".join(sorted(escaped)))
    view, quick, _ = secrets._quick_keys(raw)
    if _split_keys_walked(body):
        assert secrets.may_split(view, quick), parts
    parsed = secrets.scan_places(raw, json.loads(raw))
    assert secrets.scan_places(raw, None, parse=json.loads) == parsed


def test_the_quick_pass_spares_most_recordings_and_loses_nothing_on_the_corpus(
    corpus: Path,
) -> None:
    """Every recording of the shared corpus: the scan that parses only when the bytes ask
    finds what the scan of the parsed file finds, and parses few files."""
    import orjson

    _hyperscan_now()
    parsed_files = 0
    files = recording_files(corpus)

    def parse(raw: bytes) -> Any:
        nonlocal parsed_files
        parsed_files += 1
        return orjson.loads(raw)

    for path in files:
        raw = path.read_bytes()
        expected = secrets.scan_places(raw, orjson.loads(raw))
        assert secrets.scan_places(raw, None, parse=parse) == expected, path
    assert len(files) > 1000 and parsed_files < len(files) * 0.1, (len(files), parsed_files)


def _prefix_pieces() -> list[str]:
    """Every rule prefix's heads and tails (``gl``, ``pat-``…), for texts that come close."""
    from recctl.secret_rules import RULES, literals

    prefixes = {t.decode() for rule in RULES for t in literals(rule.prefix)}
    return sorted({piece for p in prefixes for i in range(len(p)) for piece in (p[:i], p[i:])})


@given(
    st.lists(
        st.sampled_from(_prefix_pieces()) | st.sampled_from([" ", "x", "é"]) | st.text(max_size=6),
        max_size=12,
    ).map("".join)
)
@settings(max_examples=1000, deadline=None)
def test_the_output_key_hint_is_any_prefix_occurring(text: str) -> None:
    """What every line of output asks before masking: any rule's prefix in the text (each
    found from its rarest character, the rest asked around it)."""
    from recctl.secret_rules import MAY_HOLD_KEY, RULES, literals

    prefixes = {t.decode() for rule in RULES for t in literals(rule.prefix)}
    assert (MAY_HOLD_KEY.search(text) is not None) == any(p in text for p in prefixes)


@pytest.mark.parametrize("before", ["", " ", "é ", "\n", '"', "\\", "x\t"])
def test_the_quick_pass_sees_every_rule_split_at_every_cut(before: str) -> None:
    """Each rule's example, cut after every character of its prefix (and the rest spread
    over one-character chunks too), after any boundary: the quick pass lets the walk look,
    and the scan from bytes finds the key the parsed scan finds."""
    _hyperscan_now()
    for rule in RULES:
        key = rule.example
        prefix_size = max(len(p) for p in literals(rule.prefix) if key.startswith(p.decode()))
        for cut in range(1, prefix_size):
            for rest in ([key[cut:]], [*key[cut:prefix_size], key[prefix_size:]]):
                pieces = [f"{before}{key[:cut]}", *rest, " done"]
                body = [{"__data__": {"choices": [{"delta": {"content": p}}]}} for p in pieces]
                raw = _recording_text(body, "http://localhost/v1", "")
                walked = _split_keys_walked(body)
                if not walked:
                    continue  # the walk itself finds none (a rule that needs a name before)
                view, quick, _ = secrets._quick_keys(raw)
                assert secrets.may_split(view, quick), (rule.kind, cut, pieces)
                parsed = secrets.scan_places(raw, json.loads(raw))
                assert secrets.scan_places(raw, None, parse=json.loads) == parsed


@given(
    st.lists(
        st.sampled_from(['"', "sk", "s", "\\", "\\n", "\\u00e9", "a", " ", "-", "é", "\\\\", "x"]),
        max_size=10,
    ).map("".join),
    st.sampled_from([b"sk", b"gh", b"Bearer"]),
)
@settings(max_examples=500, deadline=None)
def test_a_start_ends_a_string_on_a_token_boundary_as_the_pattern_says(
    text: str, head: bytes
) -> None:
    """The literal search that stands for the boundary pattern gives its answer."""
    view = (text + head.decode() + '"' + text).encode()
    pattern = re.compile(secrets._BOUNDARY + re.escape(head) + b'"')
    assert secrets._ends_a_string(view, head) == (
        pattern.search(view) is not None or view.startswith(head + b'"')
    )


@pytest.mark.parametrize("compile_after", [1 << 40, 0])
def test_an_aws_secret_key_beside_its_id_is_found_by_either_engine(
    compile_after: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass for AWS secret keys runs only where some run of 40 of their characters
    occurs, which ``re`` or hyperscan says; only a run of exactly 40 is a key."""
    patterns = secrets._AWS_SECRET_RUN.patterns
    monkeypatch.setattr(secrets, "_AWS_SECRET_RUN", PatternSet(patterns, compile_after))
    key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq7Lm9Xw2V"
    for text, expected in ((key, [key]), (key[:-1], []), (key + "A", []), ("no key", [])):
        raw = f'{{"id": "AKIAIOSFODNN7EXAMPLE", "secret": "{text}", "pad": "{"." * 300}"}}'
        found = [item.value for item in secrets.aws_secret_keys(raw.encode())]
        assert found == expected, text


def test_a_set_asked_where_reports_every_match_until_its_limit() -> None:
    """``ends``: each match's pattern and end, once hyperscan answers; None while ``re``
    would (the caller searches itself then) and past the limit."""
    patterns = PatternSet([rb"sk-", rb"dapi"], compile_after=0, every_match=True)
    assert sorted(patterns.ends(b"sk- dapi sk-sk-", 10) or []) == [(0, 3), (0, 12), (0, 15), (1, 8)]
    assert patterns.ends(b"nothing", 10) == []
    assert patterns.ends(b"sk-" * 11, 10) is None
    assert patterns.ends(b"sk-" * 10, 10) is not None
    late = PatternSet([rb"sk-"], compile_after=100, every_match=True)
    assert late.ends(b"sk-", 10) is None and late._database is None


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.prefix.decode())
@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_match_of_a_rule_starts_with_a_literal_of_its_prefix(
    rule: Rule, data: st.DataObject
) -> None:
    """What lets a long text be searched from where the prefixes' literals occur: no match
    of a rule's pattern starts anywhere else."""
    text = data.draw(st.from_regex(rule.pattern, fullmatch=True))
    assert text.startswith(tuple(literals(rule.prefix)))


_shaped_piece = st.sampled_from(
    [
        *(rule.example for rule in RULES),
        *(literal.decode() for literal in secret_rules.PREFIX_LITERALS),
        *("sk-ant-", "sk-proj-", "-", "_", ".", " ", '"', "\\n", "\\u002d", "A", "KIA", "eyJ"),
        *("PRIVATE KEY-----", "-----END PRIVATE KEY-----", "0123456789abcdef", "QUJD" * 5),
        # A token of four parts: a match starts at its second part too, inside the first.
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.eyJpYXQiOjE1MTYyMzkwMjJ9.SflKxwRJ",
    ]
)
_shaped_texts = st.lists(
    _shaped_piece | st.text(alphabet="0aZ9_-. ", max_size=12), max_size=40
).map(lambda parts: "".join(parts).encode())


@given(_shaped_texts, st.sampled_from([2, 4096]))
@settings(max_examples=600, deadline=None)
def test_keys_searched_from_the_literals_are_the_keys_of_a_whole_search(
    text: bytes, limit: int
) -> None:
    """``shaped_keys`` from where the prefixes' literals start (hyperscan) finds what a
    search of the whole text finds, keys inside keys and past the limit included."""
    ends = PatternSet(secrets._LITERAL_ENDS.patterns, compile_after=0, every_match=True)
    whole = secrets.shaped_keys(text)
    with (
        patch.object(secrets, "_LITERAL_ENDS", ends),
        patch.object(secrets, "_STARTS_FROM_SIZE", 0),
        patch.object(secrets, "_MAX_STARTS", limit),
    ):
        assert secrets.shaped_keys(text) == whole
