"""The one loader and the one writer: exact bytes, clear failures, atomic writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recctl import store
from tests.conftest import DATA, recording_files

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_exact_load_then_write_reproduces_the_bytes(value: Any) -> None:
    # The recorder's bytes for any JSON value, including huge integers and lone surrogates.
    raw = store.dumps({"test_id": None, "value": value})
    assert store.dumps(store.parse_exact(raw)) == raw


def has_huge_int(value: Any) -> bool:
    if isinstance(value, dict):
        return any(map(has_huge_int, value.values()))
    if isinstance(value, list):
        return any(map(has_huge_int, value))
    return isinstance(value, int) and not -(2**63) <= value < 2**64


@given(json_values.filter(lambda value: not has_huge_int(value)))
@settings(max_examples=300, deadline=None)
def test_fast_load_then_write_reproduces_the_bytes(value: Any) -> None:
    # Integers beyond 64 bits aside, the fast path is exact too.
    raw = store.dumps({"test_id": None, "value": value})
    assert store.dumps(store.parse(raw)) == raw


def test_fast_parse_makes_huge_integers_lossy_and_exact_parse_does_not() -> None:
    raw = b'{"n": 123456789012345678901234567890}'
    assert isinstance(store.parse(raw)["n"], float)  # orjson's choice, documented in store
    assert store.parse_exact(raw) == {"n": 123456789012345678901234567890}


def test_dumps_is_the_recorders_format() -> None:
    data = {"b": [1, 2.5, "é"], "a": {}}
    assert store.dumps(data) == (json.dumps(data, indent=2) + "\n").encode()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"s": "\\ud800"}', {"s": "\ud800"}),
        (b'{"n": 18446744073709551615}', {"n": 18446744073709551615}),
    ],
)
def test_parse_falls_back_for_what_orjson_refuses(raw: bytes, expected: Any) -> None:
    assert store.parse(raw) == expected


def test_parse_takes_nan_through_the_fallback() -> None:
    value = store.parse(b'{"x": NaN}')
    assert value["x"] != value["x"]


@pytest.mark.parametrize(
    ("raw", "message", "line", "column"),
    [
        (b"", "file is empty", 1, 1),
        (b"  \n ", "file is empty", 1, 1),
        (b'{\n  "a": [1,\n', "invalid JSON", 3, 1),
        (b'{"a": "x"}\n{"b": 1}', "invalid JSON: Extra data", 2, 1),
        (b'{\n"a": "\xff"}', "not UTF-8: byte 0xff", 2, 7),
        (b'\xef\xbb\xbf{"a": 1}', "byte order mark", 1, 1),
        (b"[" * 1_000_000, "nested too deeply", 1, None),
    ],
)
def test_parse_failures_say_where(raw: bytes, message: str, line: int, column: int | None) -> None:
    with pytest.raises(store.LoadError) as caught:
        store.parse(raw)
    assert message in caught.value.message
    assert caught.value.line == line
    if column is not None:
        assert caught.value.column == column


def test_read_refuses_directories_symlinks_and_huge_files(tmp_path: Path) -> None:
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(200 * 2**20)  # sparse: costs no disk
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    cases = {
        "dir.json": "is a directory",
        "dangling.json": "dangling symlink",
        "huge.json": "200.0 MiB, over the 64 MiB limit",
        "fifo.json": "not a regular file",
        "missing.json": "no such file",
    }
    for name, message in cases.items():
        with pytest.raises(store.LoadError, match=message):
            store.read_bytes(tmp_path / name)


def test_read_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'{"a": 1}')
    with pytest.raises(store.LoadError, match="over the"):
        store.read_bytes(path, max_size=4)
    assert store.read_bytes(path, max_size=8) == b'{"a": 1}'


def test_load_returns_path_bytes_and_data() -> None:
    path = DATA / "recordings" / "chat-body.json"
    recording = store.load(path)
    assert recording.raw == path.read_bytes()
    assert recording.data["response"]["is_streaming"] is False


def test_write_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    path.chmod(0o640)
    assert store.write(path, b"new\n", expected=b"old\n") is True
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_write_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"same\n")
    os.utime(path, (1, 1))
    assert store.write(path, b"same\n", expected=b"same\n") is False
    assert path.stat().st_mtime == 1


def test_write_refuses_a_file_changed_since_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"someone else's\n")
    with pytest.raises(store.WriteError, match="changed since it was read"):
        store.write(path, b"mine\n", expected=b"what I read\n")
    assert path.read_bytes() == b"someone else's\n"


def test_write_never_overwrites_an_unexpected_file(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"there\n")
    with pytest.raises(store.WriteError, match="already exists"):
        store.write(path, b"new\n", expected=None)
    store.write(tmp_path / "b.json", b"new\n", expected=None)
    assert (tmp_path / "b.json").read_bytes() == b"new\n"


def test_write_does_not_follow_a_symlink_out_of_the_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_bytes(b"precious\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.json").symlink_to(outside)
    with pytest.raises(store.WriteError, match="outside"):
        store.write(tree / "link.json", b"x\n", expected=b"precious\n", root=tree)
    assert outside.read_bytes() == b"precious\n"
    # Inside the tree a symlink is written through, and stays a symlink.
    inner = tree / "inner.json"
    inner.write_bytes(b"old\n")
    (tree / "alias.json").symlink_to(inner)
    store.write(tree / "alias.json", b"new\n", expected=b"old\n", root=tree)
    assert (tree / "alias.json").is_symlink()
    assert inner.read_bytes() == b"new\n"


def test_failed_write_leaves_original_and_no_temp_file(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    path = directory / "a.json"
    path.write_bytes(b"old\n")
    directory.chmod(0o500)
    try:
        if os.access(directory, os.W_OK):
            pytest.skip("running as a user that ignores permissions")
        with pytest.raises(store.WriteError, match="cannot write"):
            store.write(path, b"new\n", expected=b"old\n")
    finally:
        directory.chmod(0o700)
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in directory.iterdir()] == ["a.json"]


def test_round_trip_of_the_whole_corpus(corpus: Path, tmp_path: Path) -> None:
    # Every real file, loaded and written through the writer into a temp dir, byte for byte.
    count = 0
    for path in recording_files(corpus):
        recording = store.load(path)
        target = tmp_path / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        store.write(target, store.dumps(recording.data), expected=None)
        assert target.read_bytes() == recording.raw, path
        count += 1
    assert count > 1000


def test_full_disk_leaves_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")

    def no_space(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", no_space)
    with pytest.raises(store.WriteError, match="No space left on device"):
        store.write(path, b"new\n", expected=b"old\n")
    monkeypatch.undo()
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
