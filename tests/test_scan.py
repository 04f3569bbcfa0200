"""Quick scans answer exactly as the plain ``re`` calls they stand for."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recctl import secrets
from recctl.hashing import canonical
from recctl.scan import PatternSet

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
