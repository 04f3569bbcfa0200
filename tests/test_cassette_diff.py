"""``recctl diff`` of VCR.py cassettes along a git history: a re-record that changes only
noise is noise-only; one that changes the request names exactly what changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests import cassette_kit as kit
from tests.conftest import git, recctl

CHAT = "https://api.openai.com/v1/chat/completions"
PATH = "tests/cassettes/test_chat/test_stream.yaml"


def _recorded(pieces: list[str], run: int, max_tokens: int = 100) -> list[dict[str, Any]]:
    """A recording of the test as one run of it writes it: ids, times and headers of
    its own."""
    request = {
        "model": "gpt-4o-mini",
        "max_tokens": max_tokens,
        "stream": True,
        "messages": [{"role": "user", "content": "Say hello"}],
    }
    chunks = kit.chat_chunks(pieces)
    for chunk in chunks:
        chunk["id"] = f"chatcmpl-run{run}"
        chunk["created"] = 1700000000 + run
    body = kit.sse(chunks)
    headers = {
        "Content-Type": ["text/event-stream"],
        "date": [f"Mon, 0{run} Jan 2025 00:00:00 GMT"],
        "cf-ray": [f"8f{run}abc-AMS"],
        "x-request-id": [f"req_{run}"],
        "openai-processing-ms": [str(100 + run)],
        "set-cookie": [f"__cf_bm=run{run}; path=/"],
        "x-ratelimit-remaining-tokens": [str(9000 - run)],
        "Content-Length": [str(len(body))],
    }
    return [kit.interaction(CHAT, json.dumps(request), body, response_headers=headers)]


def _changes(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def test_a_noise_only_re_record_and_a_request_change(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_chat.py").write_text("def test_stream():\n    pass\n")
    git(repo, "init", "-q")
    kit.write(repo / PATH, _recorded(["Hel", "lo there"], 1))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "record")
    # Re-recorded: new ids, times and headers, the same answer in other chunks.
    kit.write(repo / PATH, _recorded(["He", "llo", " there"], 2))
    git(repo, "commit", "-qam", "re-record")
    noise = recctl("diff", "-f", "json", "HEAD~1", "HEAD", cwd=repo)
    assert noise.returncode == 0, noise.stderr
    (pair,) = _changes(noise.stdout)
    assert pair["status"] == "noise-only" and pair["changes"] == []
    text = recctl("diff", "HEAD~1", "HEAD", cwd=repo).stdout
    assert "1 recording compared: 0 differ, 1 the same" in text
    # The request's max_tokens changed: that, and nothing else of the request.
    kit.write(repo / PATH, _recorded(["He", "llo", " there"], 3, max_tokens=200))
    git(repo, "commit", "-qam", "more tokens")
    changed = recctl("diff", "-f", "json", "HEAD~1", "HEAD", cwd=repo)
    (pair,) = _changes(changed.stdout)
    assert pair["status"] == "changed"
    request = [change for change in pair["changes"] if change["what"] == "request"]
    assert [(c["key"], c["old"], c["new"]) for c in request] == [("/body/max_tokens", 100, 200)]
    assert all(change["interaction"] == 0 for change in pair["changes"])
    assert [c["what"] for c in pair["changes"]] == ["request"]
    text = recctl("diff", "HEAD~1", "HEAD", cwd=repo).stdout
    assert "interaction 0: request" in text and "max_tokens" in text
    markdown = recctl("diff", "-f", "markdown", "HEAD~1", "HEAD", cwd=repo).stdout
    assert "max\\_tokens" in markdown  # markdown escapes the underscore
    # The answer changed too: named as an answer, word by word.
    kit.write(repo / PATH, _recorded(["Good", "bye there"], 4, max_tokens=200))
    answer = _changes(recctl("diff", "-f", "json", "HEAD", cwd=repo).stdout)
    assert [c["what"] for c in answer[0]["changes"]] == ["answer"]


def test_a_moved_cassette_pairs_by_its_test_and_directories_compare(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    kit.write(old / "tests/cassettes/test_chat/test_stream.yaml", _recorded(["Hi"], 1))
    kit.write(new / "tests/cassettes/test_talk/test_stream.yaml", _recorded(["Hi"], 2))
    kit.write(old / "tests/cassettes/test_chat/test_gone.yaml", _recorded(["Bye"], 1))
    result = recctl("diff", "-f", "json", "old", "new", cwd=tmp_path)
    statuses = sorted(
        (p["status"], p.get("old_path", p.get("path"))) for p in _changes(result.stdout)
    )
    assert statuses == [
        ("removed", "tests/cassettes/test_chat/test_gone.yaml"),
        ("renamed", "tests/cassettes/test_chat/test_stream.yaml"),
    ]
