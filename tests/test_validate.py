"""``recctl validate``: every error of every file, with path, line and pointer."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from recctl import store
from recctl.schema import SchemaValidator, bundled_schema_path
from tests.conftest import DATA, REPO, invoke, recording_files

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[int(last) if isinstance(target, list) else last]

    return mutate


def _prepend(path: str, key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        index = int(last) if isinstance(target, list) else last
        target[index] = {key: value, **target[index]}

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


USAGE = "response/body/4/__data__/usage"
DELTA = "response/body/1/__data__/choices/0/delta"

# name -> (base file, mutation, expected pointer, a line fragment that marks the reported line,
# and how many lines after the fragment the reported line is).
BROKEN: dict[str, tuple[str, Mutation, str, str, int]] = {
    "missing-response": ("chat-stream", _delete("response"), "", "{", 0),
    "stream-flag-with-dict-body": (
        "chat-body",
        _set("response/is_streaming", True),
        "/response/body",
        '"body": {\n      "__type__"',
        0,
    ),
    "chunk-without-data": (
        "chat-stream",
        _delete("response/body/3/__data__"),
        "/response/body/3",
        '"__type__": "openai.types.chat.chat_completion_chunk.ChatCompletionChunk"\n      }',
        -1,
    ),
    "choices-not-a-list": (
        "chat-stream",
        _set("response/body/0/__data__/choices", {"0": 1}),
        "/response/body/0/__data__/choices",
        '"choices": {',
        0,
    ),
    "token-count-string": (
        "chat-stream",
        _set(f"{USAGE}/prompt_tokens", "12"),
        f"/{USAGE}/prompt_tokens",
        '"prompt_tokens": "12"',
        0,
    ),
    "token-count-negative": (
        "chat-stream",
        _set(f"{USAGE}/total_tokens", -1),
        f"/{USAGE}/total_tokens",
        '"total_tokens": -1',
        0,
    ),
    "test-id-number": ("chat-stream", _set("test_id", 5), "/test_id", '"test_id": 5', 0),
    "unknown-top-level-key": ("chat-stream", _set("respones", {}), "", "{", 0),
    "request-without-url": ("chat-stream", _delete("request/url"), "/request", '"request": {', 0),
    "method-not-string": (
        "chat-stream",
        _set("request/method", 123),
        "/request/method",
        '"method": 123',
        0,
    ),
    "header-not-string": (
        "chat-body",
        _set("request/headers", {"X-Retry": 3}),
        "/request/headers/X-Retry",
        '"X-Retry": 3',
        0,
    ),
    "body-not-object": (
        "chat-body",
        _set("request/body", ["a"]),
        "/request/body",
        '"body": [',
        0,
    ),
    "streaming-flag-not-bool": (
        "chat-body",
        _set("response/is_streaming", "no"),
        "/response/is_streaming",
        '"is_streaming": "no"',
        0,
    ),
    "type-not-dotted": (
        "chat-stream",
        _set("response/body/0/__type__", "Chunk"),
        "/response/body/0/__type__",
        '"__type__": "Chunk"',
        0,
    ),
    "extra-key-beside-type": (
        "chat-stream",
        _prepend("response/body/2", "__extra__", 1),
        "/response/body/2",
        '"__extra__": 1',
        -1,
    ),
    "exception-without-data": (
        "chat-body",
        _both(_set("response/is_exception", True), _set("response/body", None)),
        "/response",
        '"response": {',
        0,
    ),
    "mapping-value-not-string": (
        "chat-stream",
        _set("id_normalization_mapping", {"rec-1": 7}),
        "/id_normalization_mapping/rec-1",
        '"rec-1": 7',
        0,
    ),
    "tool-call-without-index": (
        "chat-stream",
        _set(f"{DELTA}/tool_calls", [{"id": "call_1", "type": "function", "function": None}]),
        f"/{DELTA}/tool_calls/0",
        '"id": "call_1"',
        -1,
    ),
    "delta-content-number": (
        "chat-stream",
        _set(f"{DELTA}/content", 42),
        f"/{DELTA}/content",
        '"content": 42',
        0,
    ),
    "status-out-of-range": (
        "chat-body",
        _set("response/status", 42),
        "/response/status",
        '"status": 42',
        0,
    ),
    "message-without-role": (
        "chat-body",
        _delete("response/body/__data__/choices/0/message/role"),
        "/response/body/__data__/choices/0/message",
        '"message": {',
        0,
    ),
}


def _expected_line(text: str, fragment: str, offset: int) -> int:
    index = text.index(fragment)
    return text.count("\n", 0, index) + 1 + offset


def _write_broken(directory: Path) -> dict[str, tuple[str, int]]:
    expected = {}
    for name, (base, mutate, ptr, fragment, offset) in BROKEN.items():
        data = json.loads((DATA / "recordings" / f"{base}.json").read_text())
        mutate(data)
        text = json.dumps(data, indent=2) + "\n"
        (directory / f"{name}.json").write_text(text)
        expected[f"recordings/{name}.json"] = (ptr, _expected_line(text, fragment, offset))
    return expected


def test_each_kind_of_broken_recording_is_found_with_line_and_pointer(recordings: Path) -> None:
    expected = _write_broken(recordings)
    assert len(expected) >= 15
    result = invoke(["validate", "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = [json.loads(line) for line in result.stdout.splitlines()]
    by_path: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        by_path.setdefault(finding["path"], []).append(finding)
    # The valid files in the same run still pass.
    assert "recordings/chat-stream.json" not in by_path
    assert "recordings/chat-body.json" not in by_path
    assert set(by_path) == set(expected)
    for path, (ptr, line) in expected.items():
        matching = [f for f in by_path[path] if f["pointer"] == ptr]
        assert matching, (path, by_path[path])
        assert matching[0]["line"] == line, (path, matching[0])
        assert matching[0]["check"] == "schema"
        assert matching[0]["message"]


def test_best_match_replaces_a_wall_of_alternatives(recordings: Path) -> None:
    data = json.loads((recordings / "chat-stream.json").read_text())
    data["response"]["body"][4]["__data__"]["usage"]["completion_tokens"] = "four"
    (recordings / "chat-stream.json").write_text(json.dumps(data, indent=2) + "\n")
    result = invoke(["validate", "--format", "json", "recordings/chat-stream.json"])
    [finding] = [json.loads(line) for line in result.stdout.splitlines()]
    assert finding["pointer"] == f"/{USAGE}/completion_tokens"
    assert finding["message"] == '"four" is not of type "integer"'


def test_text_report_has_locations_and_a_summary(recordings: Path) -> None:
    data = json.loads((recordings / "chat-stream.json").read_text())
    data["test_id"] = 5
    (recordings / "chat-stream.json").write_text(json.dumps(data, indent=2) + "\n")
    result = invoke(["validate"])
    assert result.exit_code == 1
    assert "recordings/chat-stream.json:2:14: /test_id: 5 is not of types" in result.stdout
    assert "✗ 1 error in 1 of 2 recordings" in result.stdout
    clean = invoke(["validate", "recordings/chat-body.json"])
    assert clean.exit_code == 0
    assert "✓ 1 recording valid" in clean.stdout


def test_github_format_is_chosen_under_github_actions(recordings: Path) -> None:
    (recordings / "bad.json").write_text('{"test_id": 5}')
    result = invoke(["validate", "--format", "github", "recordings/bad.json"])
    assert result.stdout.splitlines()[0].startswith(
        "::error file=recordings/bad.json,line=1,col=1,title=recctl schema::"
    )
    auto = invoke(["validate", "recordings/bad.json"], env={"GITHUB_ACTIONS": "true"})
    assert auto.stdout.startswith("::error file=recordings/bad.json")
    chosen = invoke(
        ["validate", "-f", "text", "recordings/bad.json"], env={"GITHUB_ACTIONS": "true"}
    )
    assert chosen.stdout.startswith("recordings/bad.json:1:1: ")


MALFORMED = {
    "empty.json": b"",
    "truncated.json": b'{"test_id": "x", "request": {',
    "latin1.json": b'{"test_id": "caf\xe9"}',
    "bom.json": b'\xef\xbb\xbf{"test_id": null}',
    "deep.json": b"[" * 1_000_000,
    "not-object.json": b"[1, 2, 3]",
}


def test_malformed_files_give_one_finding_each_and_no_traceback(recordings: Path) -> None:
    for name, raw in MALFORMED.items():
        (recordings / name).write_bytes(raw)
    (recordings / "dir.json").mkdir()
    (recordings / "dangling.json").symlink_to(recordings / "gone.json")
    with (recordings / "huge.json").open("wb") as handle:
        handle.truncate(200 * 2**20)
    result = invoke(["validate", "--format", "json"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    findings = [json.loads(line) for line in result.stdout.splitlines()]
    paths = [finding["path"] for finding in findings]
    bad = {*MALFORMED, "dir.json", "dangling.json", "huge.json"}
    assert sorted(paths) == sorted(f"recordings/{name}" for name in bad)
    messages = {finding["path"].split("/")[1]: finding["message"] for finding in findings}
    assert messages["empty.json"] == "file is empty"
    assert messages["dir.json"] == "is a directory, not a recording"
    assert messages["dangling.json"].startswith("dangling symlink")
    assert "over the 64 MiB limit" in messages["huge.json"]
    assert "nested too deeply" in messages["deep.json"]
    assert "not UTF-8" in messages["latin1.json"]


def test_huge_integers_are_integers(recordings: Path) -> None:
    data = json.loads((recordings / "chat-stream.json").read_text())
    data["response"]["body"][4]["__data__"]["usage"]["total_tokens"] = 2**70
    (recordings / "chat-stream.json").write_text(json.dumps(data, indent=2) + "\n")
    assert invoke(["validate", "recordings/chat-stream.json"]).exit_code == 0


def test_schema_option_replaces_the_bundled_schema(recordings: Path) -> None:
    (recordings.parent / "strict.json").write_text('{"type": "object", "required": ["nope"]}')
    result = invoke(["validate", "--schema", "strict.json", "--format", "json"])
    assert result.exit_code == 1
    assert {json.loads(line)["message"] for line in result.stdout.splitlines()} == {
        '"nope" is a required property'
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read schema"),
        ("{not json", "is not valid JSON"),
        ('{"type": "nonsense"}', "is not a valid JSON Schema"),
    ],
)
def test_bad_schema_is_a_usage_error(recordings: Path, content: str | None, message: str) -> None:
    if content is not None:
        (recordings.parent / "schema.json").write_text(content)
    result = invoke(["validate", "--schema", "schema.json"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_bundled_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(bundled_schema_path().read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_a_validator_survives_pickling_as_a_spawned_worker_gets_it() -> None:
    validator = SchemaValidator.from_path()
    copy_ = pickle.loads(pickle.dumps(validator))
    broken = {"request": {"method": "POST"}, "response": {"body": None, "is_streaming": "no"}}
    assert copy_.source == validator.source
    assert copy_.errors(broken) == validator.errors(broken) != []


def test_schema_lives_at_the_top_level_and_ships_with_the_package() -> None:
    top = REPO / "schemas" / "recording.schema.json"
    assert bundled_schema_path().read_bytes() == top.read_bytes()


def _schema_documents(root: Path) -> list[tuple[str, Any]]:
    documents = []
    for path in sorted(root.rglob("*.json")):
        if "recordings" in path.parts:
            documents.append((str(path), store.parse_exact(path.read_bytes())))
    return documents


def _differential(documents: list[tuple[str, Any]]) -> None:
    schema = json.loads(bundled_schema_path().read_text())
    oracle = jsonschema.Draft202012Validator(schema)
    fast = SchemaValidator(schema, "bundled")
    for name, data in documents:
        expected = sorted(
            {"/" + "/".join(map(str, e.absolute_path)) for e in oracle.iter_errors(data)}
        )
        got = sorted({e.pointer for e in fast.errors(data)})
        assert bool(expected) == bool(got), name
        if expected:
            # Same failing places, allowing the fast engine's best-match descent.
            assert all(any(g.startswith(e.rstrip("/")) for g in got) for e in expected), name


def test_fast_engine_agrees_with_the_jsonschema_oracle_on_broken_files(tmp_path: Path) -> None:
    directory = tmp_path / "recordings"
    directory.mkdir()
    _write_broken(directory)
    documents = _schema_documents(directory) + _schema_documents(DATA / "recordings")
    _differential(documents)


def test_every_bundled_recording_is_valid() -> None:
    result = invoke(["validate", str(REPO / "recordings")])
    assert result.exit_code == 0, result.stdout
    assert "recordings valid" in result.stdout


def test_every_corpus_recording_is_valid(corpus: Path) -> None:
    result = invoke(["validate", "--format", "json", str(corpus)])
    assert result.stdout == ""
    assert result.exit_code == 0


def test_oracle_agrees_on_a_sample_of_the_corpus(corpus: Path) -> None:
    # The pure-Python engine takes ~8 ms a file: a stratified sample keeps this quick.
    paths = recording_files(corpus)[::25]
    schema = json.loads(bundled_schema_path().read_text())
    oracle = jsonschema.Draft202012Validator(schema)
    for path in paths:
        assert oracle.is_valid(orjson.loads(path.read_bytes())), path
    assert copy.deepcopy(schema) == schema
