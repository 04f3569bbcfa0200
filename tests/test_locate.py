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
