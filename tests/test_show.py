"""``recctl show`` and ``recctl ls``: every format reassembled exactly, every file shown."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from recctl.formats import reassemble
from tests import recorder
from tests.conftest import CASSETTE_INTERACTIONS, DATA, REPO, invoke, recording_files

CASES = sorted((DATA / "formats").glob("*.json"))


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_each_documented_edge_case_reassembles_exactly(case: Path) -> None:
    document = json.loads(case.read_text())
    reassembled = reassemble(document["recording"])
    result = {**asdict(reassembled), "stop_kind": reassembled.stop_kind}
    for key, expected in document["expected"].items():
        if key == "choices":
            assert len(result["choices"]) == len(expected)
            pairs = zip(result["choices"], expected, strict=True)
            assert [{k: choice[k] for k in want} for choice, want in pairs] == expected
        else:
            assert result[key] == expected, key


def test_show_prints_the_saturn_answer_without_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = invoke(["show", "cc0156"])
    assert result.exit_code == 0, result.output
    assert "Saturn" in result.stdout
    assert "finish reason: stop" in result.stdout
    assert "no usage reported" in result.stdout
    assert "user: Which planet has rings around it" in result.stdout


def test_show_json_line_has_every_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    [line] = invoke(["show", "--format", "json", "cc0156ead"]).stdout.splitlines()
    record = json.loads(line)
    assert list(record) == [
        "path",
        "interaction",
        "hash",
        "id",
        "test_id",
        "endpoint",
        "model",
        "format",
        "streaming",
        "chunks",
        "text",
        "reasoning",
        "refusal",
        "tool_calls",
        "finish_reason",
        "stop_kind",
        "choices",
        "usage",
        "error",
    ]
    assert record["hash"].startswith("cc0156ead")
    assert record["streaming"] is True
    assert record["chunks"] == 45
    assert record["usage"] == dict.fromkeys(
        ["prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens"]
    )


def test_show_tool_calls_reasoning_and_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = invoke(["show", "52925d8d"])  # an Anthropic message with thinking
    assert "reasoning" in result.stdout
    assert "Your name is Alice." in result.stdout
    assert "finish reason: end_turn" in result.stdout
    calls = invoke(["show", "f0e611100b47"]).stdout  # a stream with two tool calls
    assert "tool call get_weather" in calls and "tool call get_time" in calls
    assert "finish reason: tool_calls" in calls


def test_show_usage_of_an_include_usage_stream(corpus: Path) -> None:
    path = next(
        p
        for p in recording_files(corpus)
        if b'"include_usage": true' in p.read_bytes() and b'"is_streaming": true' in p.read_bytes()
    )
    record = json.loads(invoke(["show", "-f", "json", str(path)]).stdout)
    assert record["usage"]["total_tokens"] > 0
    text = invoke(["show", str(path)]).stdout
    assert "no usage reported" not in text
    assert str(record["usage"]["total_tokens"]) in text


def test_ambiguous_unknown_and_short_prefixes(recordings: Path) -> None:
    first = recordings / ("abcd" + "1" * 60 + ".json")
    second = recordings / ("abcd" + "2" * 60 + ".json")
    for path in (first, second):
        path.write_text((DATA / "recordings" / "chat-body.json").read_text())
    ambiguous = invoke(["show", "abcd"])
    assert ambiguous.exit_code == 2
    assert "ambiguous" in ambiguous.stderr
    assert first.name in ambiguous.stderr and second.name in ambiguous.stderr
    assert invoke(["show", "abcd1"]).exit_code == 0
    unknown = invoke(["show", "ffff"])
    assert unknown.exit_code == 1
    assert "no recording with that hash" in unknown.stderr
    assert invoke(["show", "abc"]).exit_code == 2


def test_a_named_file_is_read_wherever_it_lies(recordings: Path, tmp_path_factory: Any) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "chat-body.json"
    shutil.copy(recordings / "chat-body.json", elsewhere)
    assert invoke(["show", str(elsewhere)]).exit_code == 0
    not_json = elsewhere.with_name("notes.json")
    not_json.write_text("not json")
    result = invoke(["show", str(not_json), "recordings/chat-body.json"])
    assert result.exit_code == 1  # a finding, and the other file is still shown
    assert "invalid JSON" in result.stderr
    assert "chat-body.json" in result.stdout
    missing = invoke(["show", "../../no/such/file.json"])
    assert missing.exit_code == 2
    assert "recctl: error: ../../no/such/file.json: no such file or directory" in missing.stderr


def test_raw_and_chunks(recordings: Path) -> None:
    path = recordings / "chat-stream.json"
    assert invoke(["show", "--raw", str(path)]).stdout == path.read_text()
    lines = invoke(["show", "--chunks", str(path)]).stdout.splitlines()
    assert len(lines) == 5
    assert '"content": "Saturn"' in lines[1]
    assert lines[4].strip().endswith("usage")


def test_show_a_directory_as_json_lines(recordings: Path) -> None:
    lines = invoke(["show", "-f", "json", "recordings"]).stdout.splitlines()
    assert [json.loads(line)["path"] for line in lines] == [
        "recordings/chat-body.json",
        "recordings/chat-stream.json",
    ]


def test_ls_table_filters_and_summary(recordings: Path) -> None:
    listing = invoke(["ls"]).stdout  # a pipe: one tab-separated line per recording
    assert "chat-body" in listing and "test_plain" in listing
    assert len(listing.splitlines()) == 3  # a header and a line a recording
    assert all(len(line.split("\t")) == 8 for line in listing.splitlines())
    only = invoke(["ls", "-f", "json", "--test", "*test_stream*"]).stdout.splitlines()
    assert [json.loads(line)["path"] for line in only] == ["recordings/chat-stream.json"]
    assert invoke(["ls", "-f", "json", "--provider", "nowhere"]).stdout == ""
    summary = [
        json.loads(line) for line in invoke(["ls", "--summary", "-f", "json"]).stdout.splitlines()
    ]
    assert summary[0] == {
        "by": "model",
        "key": "gpt-4o-mini",
        "recordings": 2,
        "bytes": summary[0]["bytes"],
        "prompt_tokens": 21,
        "completion_tokens": 6,
        "total_tokens": 27,
        "reported": 2,
        "interactions": 2,
    }
    assert summary[1]["total"] is True and summary[1]["recordings"] == 2
    assert invoke(["ls", "--summary", "--by", "colour"]).exit_code == 2


def _sum(records: list[dict[str, Any]], key: str) -> int:
    return sum(record["usage"][key] or 0 for record in records)


def test_every_corpus_file_shows_and_summary_sums_agree(corpus: Path, project: Path) -> None:
    records = [
        json.loads(line) for line in invoke(["show", "-f", "json", str(corpus)]).stdout.splitlines()
    ]
    cassettes = [record for record in records if record["hash"] is None]
    assert len(records) - len(cassettes) == len(recording_files(corpus))
    assert len(cassettes) == CASSETTE_INTERACTIONS
    assert not [
        r
        for r in records
        if r["error"] and r["format"] not in ("exception",) and "HTTP" not in r["error"]
    ]
    groups = [
        json.loads(line)
        for line in invoke(
            ["ls", "--summary", "--by", "model", "-f", "json", str(corpus)]
        ).stdout.splitlines()
    ]
    *groups, grand = groups
    assert grand["total"] is True
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert sum(group[key] or 0 for group in groups) == _sum(records, key) == grand[key]
        # A group none of whose recordings reported a count totals null, never 0.
        for group in groups:
            if group["reported"] == 0:
                assert group[key] is None
    assert sum(group["interactions"] for group in groups) == len(records)
    assert grand["interactions"] == len(records)
    assert sum(group["recordings"] for group in groups) == grand["recordings"]
    tokens = ("prompt_tokens", "completion_tokens", "total_tokens")
    reporting = sum(any(r["usage"][key] is not None for key in tokens) for r in records)
    assert grand["reported"] == reporting


def test_every_corpus_file_shows_as_text(corpus: Path) -> None:
    result = invoke(["show", str(corpus)])
    assert result.exit_code == 0
    shown = len(recording_files(corpus)) + CASSETTE_INTERACTIONS
    assert result.stdout.count("\nendpoint ") == shown


def test_progress_bar_only_on_a_terminal_for_long_listings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rich.progress

    from recctl.cli import show as cli_show

    advanced: list[int] = []

    class Recorder(rich.progress.Progress):
        def advance(self, task_id: rich.progress.TaskID, advance: float = 1) -> None:
            advanced.append(1)

    monkeypatch.setattr(rich.progress, "Progress", Recorder)
    items = list(range(301))
    assert list(cli_show._with_progress(iter(items), 301)) == items
    assert advanced == []  # not a terminal
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert list(cli_show._with_progress(iter(items[:10]), 10)) == items[:10]
    assert advanced == []  # too short to bother
    assert list(cli_show._with_progress(iter(items), 301)) == items
    assert len(advanced) == 301


def test_show_says_only_what_the_recording_holds(recordings: Path, corpus: Path) -> None:
    (recordings / "foo.json").write_text('{"foo": 1}\n')
    not_one = invoke(["show", "recordings/foo.json"])
    assert not_one.exit_code == 1
    assert "not a recording" in not_one.stderr
    assert invoke(["ls", "recordings/foo.json"]).exit_code == 1
    shown = invoke(["show", str(corpus)]).stdout
    assert "finish reason: None" not in shown
    assert "[None]" not in shown
    assert not re.search(r"streamed, 1 chunks", shown)
    vertex = [
        json.loads(line)
        for line in invoke(
            ["ls", "-f", "json", "--endpoint", "/generate_content*", str(corpus)]
        ).stdout.splitlines()
    ]
    vertex = [entry for entry in vertex if entry["provider"] == "vertexai"]
    assert vertex  # named by provider_metadata, not "(no provider)"


def test_every_model_listing_is_addressable(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    listings = sorted(corpus.rglob("models-*.json"))
    assert len(listings) > 1
    stem = listings[0].stem  # models-<hash>-<digest>
    _, hash_hex, digest = stem.split("-")
    for ref in (stem, f"{hash_hex}-{digest}", f"{hash_hex[:8]}-{digest[:4]}", digest):
        result = invoke(["show", "-f", "json", ref])
        assert result.exit_code == 0, (ref, result.stderr)
        assert json.loads(result.stdout)["path"].endswith(listings[0].name), ref
    sharing = [path for path in listings if path.stem.split("-")[1] == hash_hex]
    if len(sharing) > 1:
        ambiguous = invoke(["show", hash_hex])
        assert ambiguous.exit_code == 2
        assert f"{hash_hex}-{digest}" in ambiguous.stderr  # what tells them apart
    rows = invoke(["ls", *map(str, listings)]).stdout.splitlines()
    ids = [row.split("\t")[0] for row in rows]
    assert len(set(ids)) == len(ids)  # each row says which listing it is


def test_json_keeps_every_choice_and_the_stop_kind(tmp_path: Path) -> None:
    case = json.loads((DATA / "formats" / "chat-several-choices.json").read_text())
    (tmp_path / "recordings").mkdir()
    path = tmp_path / "recordings" / "a.json"
    path.write_text(json.dumps(case["recording"], indent=2))
    record = json.loads(invoke(["show", "-f", "json", str(path)]).stdout)
    assert len(record["choices"]) == len(case["expected"]["choices"]) > 1
    assert [choice["text"] for choice in record["choices"]] == [
        choice["text"] for choice in case["expected"]["choices"]
    ]
    assert record["stop_kind"] in ("stop", "length", "tool_calls")


def test_an_empty_model_listing_is_a_listing(tmp_path: Path) -> None:
    recording = recorder.model_listing([])
    (tmp_path / "recordings").mkdir()
    path = tmp_path / "recordings" / "a.json"
    path.write_text(json.dumps(recording))
    record = json.loads(invoke(["show", "-f", "json", str(path)]).stdout)
    assert record["format"] == "openai-models"
    assert record["error"] is None
