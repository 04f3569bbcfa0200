"""Line numbers for JSON pointers, found in the raw bytes without a second full parse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from recctl.locate import escape_segment, line_of_offset, locate, pointer

documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)


def all_pointers(value: Any, prefix: str = "") -> Iterator[str]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from all_pointers(child, f"{prefix}/{escape_segment(key)}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from all_pointers(child, f"{prefix}/{index}")


def resolve(value: Any, ptr: str) -> Any:
    for token in ptr.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


@given(documents, st.sampled_from([None, 2]))
@settings(max_examples=300, deadline=None)
def test_every_pointer_lands_on_its_value(document: Any, indent: int | None) -> None:
    raw = json.dumps(document, indent=indent).encode()
    line_starts = [0] + [i + 1 for i, byte in enumerate(raw) if byte == ord("\n")]
    pointers = list(all_pointers(document))
    found = locate(raw, pointers)
    assert set(found) == set(pointers)
    decoder = json.JSONDecoder()
    for ptr, (line, column) in found.items():
        # Decoding at the reported position must give exactly the value the pointer names.
        value, _ = decoder.raw_decode(raw.decode(), line_starts[line - 1] + column - 1)
        assert value == resolve(document, ptr), ptr


def test_positions_in_a_recording_shaped_document() -> None:
    raw = b'{\n  "a/b": {\n    "x~y": [\n      10,\n      {"k": "v"}\n    ]\n  }\n}\n'
    found = locate(raw, ["/a~1b/x~0y/1/k", "/a~1b", "/missing", ""])
    assert found == {"": (1, 1), "/a~1b": (2, 10), "/a~1b/x~0y/1/k": (5, 13)}


def test_strings_with_brackets_and_escapes_do_not_confuse_the_scanner() -> None:
    raw = b'{"s": "}]\\",[{", "t": [1, "\\\\"], "u": 3}'
    assert locate(raw, ["/u", "/t/1"]) == {"/t/1": (1, 27), "/u": (1, 39)}


def test_pointer_and_offsets() -> None:
    assert pointer(["response", "body", 3, "a/b~c"]) == "/response/body/3/a~1b~0c"
    assert line_of_offset(b"ab\ncd", 4) == (2, 2)


def test_pointer_at_names_the_value_or_key_under_an_offset() -> None:
    from recctl.locate import pointer_at

    raw = b'{"a": {"b": ["x", "hello sk-123"], "c~d": 1}, "e/f": "z"}'
    assert pointer_at(raw, raw.index(b"sk-")) == "/a/b/1"
    assert pointer_at(raw, raw.index(b'"x')) == "/a/b/0"
    assert pointer_at(raw, raw.index(b"c~d")) == "/a/c~0d"
    assert pointer_at(raw, raw.index(b'"z')) == "/e~1f"


@given(
    documents,
    st.sampled_from([None, 2]),
    st.lists(st.integers(min_value=0, max_value=400), max_size=30),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_place_runs_name_each_offset_as_pointer_at_does(
    document: Any, indent: int | None, offsets: list[int], raw_newlines: bool
) -> None:
    """Runs, expanded, give each offset the pointer ``pointer_at`` gives and its line; a
    run never spans two lines (a broken file's string may hold raw newlines)."""
    from recctl.locate import place_runs, pointer_at

    text = json.dumps(document, indent=indent, ensure_ascii=False)
    if raw_newlines:
        text = text.replace("\\n", "\n")  # escaped newlines made raw: not JSON any more
    raw = text.encode()
    wanted = sorted(offset for offset in offsets if offset <= len(raw))
    expanded = [(ptr, line) for ptr, line, count in place_runs(raw, wanted) for _ in range(count)]
    assert expanded == [
        (pointer_at(raw, offset), line_of_offset(raw, offset)[0]) for offset in wanted
    ]


def test_a_string_of_many_keys_is_one_run() -> None:
    from recctl.locate import place_runs

    raw = json.dumps({"a": {"b": " ".join(["AKIA"] * 1000)}}, indent=2).encode()
    offsets = [index for index in range(len(raw)) if raw.startswith(b"AKIA", index)]
    assert list(place_runs(raw, offsets)) == [("/a/b", 3, 1000)]


def test_a_string_with_raw_newlines_runs_line_by_line() -> None:
    """A broken file's string can hold raw newlines: its keys keep their own lines."""
    from recctl.locate import place_runs

    raw = b'{"a": "AKIA one\nAKIA two\nAKIA three"}'
    offsets = [index for index in range(len(raw)) if raw.startswith(b"AKIA", index)]
    assert list(place_runs(raw, offsets)) == [("/a", 1, 1), ("/a", 2, 1), ("/a", 3, 1)]


@given(st.binary(max_size=200), st.lists(st.integers(min_value=0, max_value=200), max_size=20))
def test_lines_at_gives_each_offset_its_line_in_one_pass(raw: bytes, offsets: list[int]) -> None:
    from recctl.locate import lines_at

    wanted = [offset for offset in offsets if offset <= len(raw)]
    assert lines_at(raw, wanted) == {offset: line_of_offset(raw, offset)[0] for offset in wanted}
