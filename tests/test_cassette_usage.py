"""Usage truth for VCR.py cassettes: a real pytest-recording suite replayed under
``--recctl-used`` (and pytest-xdist) logs what each test opened and played; ``prune --used``
reports the cassettes and interactions no test needs, and removes them safely."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import recctl

RECORDED = """
import os, urllib.request

import pytest


def ask(path):
    return urllib.request.urlopen(os.environ["SERVER"] + path).read().decode()


@pytest.mark.vcr
def test_one():
    assert ask("/a") == "answer to /a"
    assert ask("/b") == "answer to /b"


@pytest.mark.vcr
def test_none():
    assert ask("/n") == "answer to /n"


@pytest.mark.vcr
def test_gone():
    assert ask("/g") == "answer to /g"


@pytest.mark.vcr
def test_unmarked():
    assert ask("/u") == "answer to /u"
"""
# The suite after a change: test_one asks one question, test_none none, test_gone is gone,
# and test_unmarked no longer uses a cassette (its own stays behind, unused).
CHANGED = """
import os, urllib.request

import pytest


def ask(path):
    return urllib.request.urlopen(os.environ["SERVER"] + path).read().decode()


@pytest.mark.vcr
def test_one():
    assert ask("/a") == "answer to /a"


@pytest.mark.vcr
def test_none():
    pass


def test_unmarked():
    pass
"""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[http.server.HTTPServer]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"answer to {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    running = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    monkeypatch.setenv("SERVER", f"http://127.0.0.1:{running.server_address[1]}")
    yield running
    running.shutdown()
    running.server_close()


def _records(text: str) -> list[dict[str, Any]]:
    return [r for r in map(json.loads, text.splitlines()) if "reason" in r]


def test_prune_used_finds_unused_cassettes_and_unplayed_tails(
    pytester: pytest.Pytester, server: http.server.HTTPServer
) -> None:
    pytester.makefile(".toml", pyproject='[project]\nname = "demo"\n')
    pytester.makepyfile(test_suite=RECORDED)
    recording = pytester.runpytest_subprocess(
        "--record-mode=once", "--recctl-used=recorded.jsonl", "-p", "no:randomly"
    )
    recording.assert_outcomes(passed=4)
    # A run that recorded its cassettes vouches for no play: nothing is called unplayed.
    made = recctl("prune", "--used", "recorded.jsonl", "-f", "json", "cassettes", cwd=pytester.path)
    assert made.returncode == 0 and _records(made.stdout) == [], made.stdout
    server.shutdown()  # from here on, only the cassettes answer
    pytester.makepyfile(test_suite=CHANGED)
    replay = pytester.runpytest_subprocess(
        "--record-mode=none", "-n", "2", "--recctl-used=used.jsonl", "-p", "no:randomly"
    )
    replay.assert_outcomes(passed=3)
    log = [json.loads(line) for line in (pytester.path / "used.jsonl").read_text().splitlines()]
    played = {r["test"]: r.get("played") for r in log[1:] if r.get("test")}
    assert played["test_suite.py::test_one"] == {"cassettes/test_suite/test_one.yaml": [1, 0]}
    assert played["test_suite.py::test_none"] == {"cassettes/test_suite/test_none.yaml": [0]}
    found = recctl("prune", "--used", "used.jsonl", "-f", "json", "cassettes", cwd=pytester.path)
    assert found.returncode == 1, found.stderr
    assert sorted(
        (Path(r["path"]).name, r["reason"], r.get("interaction")) for r in _records(found.stdout)
    ) == [
        ("test_gone.yaml", "orphan", None),
        ("test_none.yaml", "unplayed", 0),
        ("test_one.yaml", "unplayed", 1),
        ("test_unmarked.yaml", "unused", None),
    ]
    text = recctl("prune", "--used", "used.jsonl", "cassettes", cwd=pytester.path).stdout
    assert "unplayed     cassettes/test_suite/test_one.yaml:1" in text
    # Without --interactions, --delete removes whole files only.
    recctl("prune", "--used", "used.jsonl", "--delete", "--yes", "cassettes", cwd=pytester.path)
    folder = pytester.path / "cassettes" / "test_suite"
    assert not (folder / "test_gone.yaml").exists()
    assert not (folder / "test_unmarked.yaml").exists()
    assert "/b" in (folder / "test_one.yaml").read_text()
    tails = recctl(
        "prune",
        "--used",
        "used.jsonl",
        "--interactions",
        "--delete",
        "--yes",
        "cassettes",
        cwd=pytester.path,
    )
    assert tails.returncode == 0, tails.stdout + tails.stderr
    assert "removed 2 unplayed interactions from 2 cassettes" in tails.stderr
    assert "/b" not in (folder / "test_one.yaml").read_text()
    assert recctl("validate", "cassettes", cwd=pytester.path).returncode == 0
    # VCR.py replays what is left, and the same tests pass.
    again = pytester.runpytest_subprocess("--record-mode=none", "-p", "no:randomly")
    again.assert_outcomes(passed=3)
    rerun = pytester.runpytest_subprocess(
        "--record-mode=none", "--recctl-used=again.jsonl", "-p", "no:randomly"
    )
    rerun.assert_outcomes(passed=3)
    clean = recctl("prune", "--used", "again.jsonl", "cassettes", cwd=pytester.path)
    assert clean.returncode == 0, clean.stdout
