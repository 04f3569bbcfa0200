"""The one-pass pattern scan answers exactly as ``re`` does, pattern by pattern."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from recctl import secrets
from recctl.hashing import canonical
from recctl.scan import PatternSet

pieces = st.sampled_from(
    [
        *(".1234", ".123", "1e-07", "E-", "score:", "attributes:", "document_id:", "<|"),
        *("<|0123abcd-", "sk-", "-----BEGIN ", "Bearer ", "ghp_", "AKIA"),
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
SETS = [secrets._PREFILTER, canonical._HINTS, canonical._EXPONENT_FLOAT]


@given(texts)
@settings(max_examples=400, deadline=None)
def test_one_pass_and_re_agree(data: bytes) -> None:
    for patterns in SETS:
        assert patterns.present(data) == patterns.present_by_re(data)


def test_a_pattern_set_reports_each_pattern_it_finds() -> None:
    patterns = PatternSet([rb"ab+c", rb"\.[0-9]{4}", rb"zz"])
    assert patterns.present(b"xx abbbc 1.23456") == {0, 1}
    assert patterns.present(b"") == set()


@given(strings)
@settings(max_examples=400, deadline=None)
def test_the_lossy_float_check_is_the_whole_text_search(text: str) -> None:
    expected = re.search(r"[ \[]-?[0-9](?:\.[0-9]+)?e\+", text) is not None
    assert canonical.may_be_lossy(text) is expected
