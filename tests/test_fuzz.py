"""Hostile input through every read-only command: never a traceback, never a hang.

Byte-level mutations of a real recording (truncations, flipped bytes, duplicated keys, deep
nesting, huge strings and numbers, NaN, byte order marks, CRLF, non-UTF-8) and generated
recordings, valid or not. Each file either passes or gets a finding, and the exit code is
one the README documents.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, invoke

BASE = (DATA / "recordings" / "chat-stream.json").read_bytes()
NAME = "0123456789abcdef" * 4 + ".json"

# command -> the exit codes a bad (or good) single file may give
COMMANDS: dict[str, tuple[list[str], set[int]]] = {
    "validate": (["validate"], {0, 1}),
    "check": (["check"], {0, 1}),
    "rehash": (["rehash"], {0, 1}),
    "show": (["show", "-f", "json"], {0, 1}),
    "show-text": (["show"], {0, 1}),
    "ls": (["ls", "-f", "json"], {0, 1}),
    "normalize-dry-run": (["normalize"], {0, 1}),
    "redact-dry-run": (["redact"], {0, 1}),
}


def mutations() -> st.SearchStrategy[bytes]:
    position = st.integers(min_value=0, max_value=len(BASE))
    return st.one_of(
        position.map(lambda cut: BASE[:cut]),
        st.tuples(position, st.integers(0, 255)).map(
            lambda pair: BASE[: pair[0]] + bytes([pair[1]]) + BASE[pair[0] + 1 :]
        ),
        st.sampled_from(
            [
                BASE.replace(b'"test_id":', b'"test_id": 1, "test_id":', 1),
                b"[" * 200_000,
                b'{"a": ' * 5_000 + b"1" + b"}" * 5_000,
                BASE.replace(b'"Saturn"', b'"' + b"x" * 300_000 + b'"'),
                BASE.replace(b'"prompt_tokens": 12', b'"prompt_tokens": ' + b"9" * 5000),
                BASE.replace(b'"prompt_tokens": 12', b'"prompt_tokens": NaN'),
                BASE.replace(b'"prompt_tokens": 12', b'"prompt_tokens": 1e999'),
                b"\xef\xbb\xbf" + BASE,
                BASE.replace(b"\n", b"\r\n"),
                BASE.replace(b"Saturn", b"Sat\xff\xfeurn"),
                BASE.replace(b"Saturn", b"\\ud800"),
                b"null",
                b"[]",
                b'"just a string"',
                b"",
            ]
        ),
    )


recording_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)

generated = st.fixed_dictionaries(
    {},
    optional={
        "test_id": st.one_of(st.none(), st.text(max_size=30), st.integers()),
        "request": st.one_of(
            recording_values,
            st.fixed_dictionaries(
                {
                    "method": st.sampled_from(["POST", "get", 3]),
                    "url": st.sampled_from(
                        [
                            "https://x/v1/chat/completions",
                            "vertexai:///generate_content",
                            "",
                            "http://h/v1/messages",
                        ]
                    ),
                    "body": recording_values,
                },
                optional={
                    "payload": recording_values,
                    "tool_name": st.text(max_size=5),
                    "file_id": st.text(max_size=5),
                    "headers": recording_values,
                },
            ),
        ),
        "response": st.one_of(
            recording_values,
            st.fixed_dictionaries(
                {
                    "body": st.one_of(recording_values, st.lists(recording_values, max_size=4)),
                    "is_streaming": st.booleans(),
                },
                optional={
                    "is_exception": st.booleans(),
                    "exception_data": recording_values,
                    "status": st.integers(0, 999),
                },
            ),
        ),
        "id_normalization_mapping": recording_values,
    },
)


def _run_all(project: Path, raw: bytes) -> None:
    directory = project / "recordings"
    directory.mkdir(exist_ok=True)
    (directory / NAME).write_bytes(raw)
    for name, (args, allowed) in COMMANDS.items():
        result = invoke([*args, f"recordings/{NAME}"])
        assert result.exit_code in allowed, (name, result.exit_code, result.output[-500:])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            name,
            result.exception,
        )
        assert "Traceback" not in result.output, name


@given(mutations())
@settings(
    max_examples=40,
    deadline=10_000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_mutated_real_files(project: Path, raw: bytes) -> None:
    _run_all(project, raw)


@given(generated)
@settings(
    max_examples=40,
    deadline=10_000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_recordings(project: Path, document: dict[str, Any]) -> None:
    _run_all(project, json.dumps(document, indent=2).encode())


def test_a_bad_file_does_not_stop_the_others(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    (directory / "good.json").write_bytes(BASE)
    (directory / "bad.json").write_bytes(b"[" * 200_000)
    result = invoke(["check", "-f", "json", "--select", "schema"])
    paths = {json.loads(line)["path"] for line in result.stdout.splitlines()}
    assert paths == {"recordings/bad.json"}
    listing = [json.loads(line) for line in invoke(["ls", "-f", "json"]).stdout.splitlines()]
    assert [entry["path"] for entry in listing] == ["recordings/bad.json", "recordings/good.json"]
    assert listing[0]["error"] and listing[1]["error"] is None
