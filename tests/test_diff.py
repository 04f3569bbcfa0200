"""``recctl diff``: files, directories and git history, classified beyond recorder noise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests import recorder
from tests.conftest import DATA, git, invoke


def _records(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def _denormalized(data: dict[str, Any], index: int) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(data))
    for number, chunk in enumerate(copy["response"]["body"]):
        chunk["__data__"]["id"] = f"chatcmpl-{index:04d}raw"
        chunk["__data__"]["created"] = 1760000000 + number
        chunk["__data__"]["system_fingerprint"] = "fp_raw"
    return copy


def _rerecorded(data: dict[str, Any]) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(data))
    copy["request"]["body"]["stream_options"] = {"include_usage": True}
    body = copy["response"]["body"]
    usage_chunk = json.loads(json.dumps(body[-1]))
    usage_chunk["__data__"]["choices"] = []
    usage_chunk["__data__"]["usage"] = {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
    }
    body.append(usage_chunk)
    return copy


def _sources(corpus: Path, count: int) -> list[dict[str, Any]]:
    """Chat streams of distinct tests, as recorded."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((corpus / "llama-stack-1394403" / "tests").rglob("*.json")):
        if "/recordings/responses/" in str(path):
            continue
        data = json.loads(path.read_text())
        body = data["response"]["body"]
        if (
            data.get("test_id")
            and data["response"]["is_streaming"]
            and body
            and isinstance(body[0], dict)
            and body[0].get("__type__", "").endswith("ChatCompletionChunk")
            and "stream_options" not in data["request"]["body"]
            and data["test_id"] not in found
        ):
            found[data["test_id"]] = data
        if len(found) == count:
            break
    return list(found.values())


def _place(repo: Path, data: dict[str, Any], scheme: str = "4") -> Path:
    name, _ = recorder.record(data, scheme)
    directory = repo / Path(data["test_id"].split("::")[0]).parent / "recordings"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def test_git_history_noise_and_rerecordings(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    sources = _sources(corpus, 12)
    assert len(sources) == 12
    paths = [_place(repo, _denormalized(data, index)) for index, data in enumerate(sources)]
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "recorded with raw ids")
    for path, data in zip(paths, sources, strict=True):
        path.write_text(json.dumps(data, indent=2) + "\n")
    git(repo, "commit", "-qam", "normalize ids and timestamps")
    for path, data in zip(paths, sources, strict=True):
        path.unlink()
        _place(repo, _rerecorded(data))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "re-record with stream_options")
    monkeypatch.chdir(repo)

    noise = _records(invoke(["diff", "-f", "json", "HEAD~2", "HEAD~1"]).stdout)
    assert len(noise) == 12
    assert {record["status"] for record in noise} == {"noise-only"}

    rerecorded = _records(invoke(["diff", "-f", "json", "HEAD~1", "HEAD"]).stdout)
    assert len(rerecorded) == 12
    for record in rerecorded:
        assert record["status"] == "renamed"
        assert record["old_path"] != record["new_path"]
        whats = [change["what"] for change in record["changes"]]
        assert whats[0] == "request"
        request = record["changes"][0]
        assert (request["kind"], request["key"]) == ("added", "/body/stream_options")
        assert "usage" in whats and "chunks" in whats
        assert "answer" not in whats  # the texts were compared and are the same
    text = invoke(["diff", "HEAD~1", "HEAD"]).stdout
    assert text.splitlines()[:2] == [
        "12 recordings compared: 12 differ, 0 the same (identical or noise only)",
        "  renamed         12",
    ]
    assert "request added /body/stream_options" in text
    stat = invoke(["diff", "--stat", "HEAD~2", "HEAD~1"]).stdout
    assert stat.splitlines() == [
        "12 recordings compared: 0 differ, 12 the same (identical or noise only)",
        "  noise-only      12",
    ]
    assert invoke(["diff", "--exit-code", "HEAD~2", "HEAD~1"]).exit_code == 0
    assert invoke(["diff", "--exit-code", "HEAD~1", "HEAD"]).exit_code == 1
    assert invoke(["diff", "HEAD~1", "HEAD"]).exit_code == 0


def test_work_tree_staged_and_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "a" / "recordings").mkdir(parents=True)
    (repo / "b" / "recordings").mkdir(parents=True)
    git(repo, "init", "-q")
    data = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    first = repo / "a" / "recordings" / "one.json"
    second = repo / "b" / "recordings" / "two.json"
    for path in (first, second):
        path.write_text(json.dumps(data, indent=2) + "\n")
    (repo / "notes.json").write_text("{}")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    monkeypatch.chdir(repo)
    changed = json.loads(json.dumps(data))
    changed["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = "Jupiter"
    first.write_text(json.dumps(changed, indent=2) + "\n")
    (repo / "notes.json").write_text('{"x": 1}')
    [record] = _records(invoke(["diff", "-f", "json", "HEAD"]).stdout)
    assert (record["path"], record["status"]) == ("a/recordings/one.json", "changed")
    answer = next(change for change in record["changes"] if change["what"] == "answer")
    assert answer["added_words"] == 1 and answer["removed_words"] == 1
    assert "[-Saturn-]{+Jupiter+}" in answer["diff"][0]
    assert _records(invoke(["diff", "-f", "json", "--staged"]).stdout) == []
    git(repo, "add", "a")
    assert len(_records(invoke(["diff", "-f", "json", "--staged"]).stdout)) == 1
    second.unlink()
    assert _records(invoke(["diff", "-f", "json", "HEAD", "b"]).stdout) == [
        {"path": "b/recordings/two.json", "status": "removed", "changes": []}
    ]


def test_files_and_directories(project: Path) -> None:
    for side in ("old", "new"):
        shutil.copytree(DATA / "recordings", project / side / "recordings")
    data = json.loads((project / "new" / "recordings" / "chat-body.json").read_text())
    data["response"]["body"]["__data__"]["id"] = "rec-ffffffffffff"
    data["response"]["body"]["__data__"]["created"] = 99
    (project / "new" / "recordings" / "chat-body.json").write_text(json.dumps(data, indent=2))
    records = _records(invoke(["diff", "-f", "json", "old", "new"]).stdout)
    assert [(r["path"], r["status"]) for r in records] == [
        ("recordings/chat-body.json", "noise-only"),
        ("recordings/chat-stream.json", "identical"),
    ]
    (project / "pyproject.toml").write_text('[tool.recctl]\ndiff-noise = ["rec-id"]\n')
    records = _records(invoke(["diff", "-f", "json", "old", "new"]).stdout)
    statuses = {record["path"]: record["status"] for record in records}
    assert statuses["recordings/chat-body.json"] == "changed"
    single = _records(
        invoke(
            ["diff", "-f", "json", "old/recordings/chat-body.json", "new/recordings/chat-body.json"]
        ).stdout
    )
    assert single[0]["old_path"] == "old/recordings/chat-body.json"


def test_usage_errors(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke(["diff"]).exit_code == 2
    result = invoke(["diff", "nothing-here"])
    assert result.exit_code == 2
    assert "nothing-here: no such file, directory or git revision" in result.stderr
    monkeypatch.setenv("PATH", "")
    no_git = invoke(["diff", "--staged"])
    assert no_git.exit_code == 2
    assert "git is not on PATH" in no_git.stderr
    assert recorder.SCHEMES


def _chat(test_id: str, question: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    data["test_id"] = test_id
    data["request"]["body"]["messages"][0]["content"] = question
    return data


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose second commit re-records, renames and replaces recordings."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    test = "tests/inference/test_chat.py::test_{}"
    before = {
        "edited": _chat(
            test.format("edited"), "Show me all marketing reports from the last quarter"
        ),
        "one": _chat(test.format("two"), "What is the capital of France, in one word please?"),
        "other": _chat(test.format("two"), "Name the largest planet of the solar system, please."),
        "unrelated": _chat(test.format("swap"), "Show me all marketing reports"),
        "renamed": _chat("tests/inference/test_chat.py::test_llama_stack_client", "Hi there, who?"),
        "mapped": _chat(test.format("mapped"), "Which planet has the most rings around it?"),
    }
    paths = {key: _place(repo, data) for key, data in before.items()}
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "recorded")
    after = json.loads(json.dumps(before))
    after["edited"]["request"]["body"]["messages"][0]["content"] += " by region"
    after["one"]["request"]["body"]["temperature"] = 0.5
    after["other"]["request"]["body"]["temperature"] = 0.5
    after["unrelated"]["request"]["body"]["messages"][0]["content"] = (
        "Tell me about topic number 0 and nothing else at all"
    )
    after["renamed"]["test_id"] = "tests/inference/test_chat.py::test_ogx_client"
    after["mapped"]["id_normalization_mapping"] = {"file-0123456789ab": "file-abc"}
    for key, data in after.items():
        if key != "mapped":
            paths[key].unlink()
        _place(repo, data)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "re-recorded")
    monkeypatch.chdir(repo)
    return repo


def _by_question(records: list[dict[str, Any]], repo: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for record in records:
        path = record.get("new_path") or record["path"]
        side = repo / path if (repo / path).exists() else None
        data = json.loads(side.read_text()) if side else None
        key = data["request"]["body"]["messages"][0]["content"][:20] if data else path
        found[key] = record
    return found


def test_rerecordings_pair_by_test_and_similar_requests_only(history: Path) -> None:
    records = _records(invoke(["diff", "-f", "json", "HEAD~1", "HEAD"]).stdout)
    statuses = sorted(record["status"] for record in records)
    # edited, two of one test, the renamed test: pairs; the unrelated swap: removed + added.
    assert statuses == ["added", "changed", "removed", "renamed", "renamed", "renamed", "renamed"]
    renamed = [record for record in records if record["status"] == "renamed"]
    for record in renamed:
        assert record["changes"], record  # every pair says what changed
    whats = {change["what"] for record in renamed for change in record["changes"]}
    assert "test_id" in whats
    test_rename = next(
        record for record in renamed if any(c["what"] == "test_id" for c in record["changes"])
    )
    change = next(c for c in test_rename["changes"] if c["what"] == "test_id")
    assert change["new"].endswith("test_ogx_client")
    # The two re-recorded requests of test_two paired each with its own.
    two = [r for r in renamed if "test_two" in json.dumps(r) or "temperature" in json.dumps(r)]
    assert len(two) == 2
    for record in two:
        old = json.loads((history / record["new_path"]).read_text())
        assert any(c.get("key") == "/body/temperature" for c in record["changes"])
        assert old["test_id"].endswith("test_two")
    mapped = next(record for record in records if record["status"] == "changed")
    assert mapped["changes"][0]["what"] == "mapping"
    assert mapped["changes"][0]["added"] == ["file-0123456789ab"]
    text = invoke(["diff", "HEAD~1", "HEAD"]).stdout
    assert text.splitlines()[0] == (
        "7 recordings compared: 7 differ, 0 the same (identical or noise only)"
    )
    assert "test id 'tests/inference/test_chat.py::test_llama_stack_client' ->" in text
    assert "id mapping added ['file-0123456789ab']" in text


def test_ranges_untracked_files_and_gits_own_messages(history: Path) -> None:
    base = _records(invoke(["diff", "-f", "json", "HEAD~1", "HEAD"]).stdout)
    assert _records(invoke(["diff", "-f", "json", "HEAD~1..HEAD"]).stdout) == base
    assert _records(invoke(["diff", "-f", "json", "HEAD^..HEAD"]).stdout) == base
    assert _records(invoke(["diff", "-f", "json", "HEAD~1...HEAD"]).stdout) == base
    # An untracked recording counts for the work tree, as git status shows it.
    extra = _place(history, _chat("tests/inference/test_chat.py::test_new", "A new question"))
    work = _records(invoke(["diff", "-f", "json", "HEAD"]).stdout)
    assert work == [{"path": str(extra.relative_to(history)), "status": "added", "changes": []}]
    bad = invoke(["diff", "nosuchrev..HEAD"])
    assert bad.exit_code == 2
    assert "fatal:" in bad.stderr or "error:" in bad.stderr  # git's own words
    unknown = invoke(["diff", "deadbeefcafe"])
    assert unknown.exit_code == 2
    assert "no such file, directory or git revision" in unknown.stderr


def test_requests_too_deep_for_deepdiff_say_where_they_differ(project: Path) -> None:
    def nested(leaf: str) -> Any:
        value: Any = leaf
        for _ in range(100):
            value = {"k": value}
        return value

    for side, leaf in (("old", "before"), ("new", "after")):
        data = json.loads((DATA / "recordings" / "chat-body.json").read_text())
        data["request"]["body"]["deep"] = nested(leaf)
        (project / side / "recordings").mkdir(parents=True)
        (project / side / "recordings" / "a.json").write_text(json.dumps(data, indent=2))
    [record] = _records(invoke(["diff", "-f", "json", "old", "new"]).stdout)
    [change] = [c for c in record["changes"] if c["what"] == "request"]
    assert change["key"] == "/body/deep" + "/k" * 100
    assert (change["kind"], change["old"], change["new"]) == ("changed", "before", "after")
