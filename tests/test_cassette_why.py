"""``recctl why CASSETTE --request``: replay misses explained as VCR.py matches requests,
with the messages of real VCR.py runs."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from tests import cassette_kit as kit
from tests.conftest import recctl

URI = "http://127.0.0.1:9/v1/chat/completions"


def _cassette(tmp_path: Path) -> Path:
    """Two recorded interactions of one test: the same path, two queries."""
    path = tmp_path / "tests" / "cassettes" / "test_api" / "test_ask.yaml"
    kit.write(
        path,
        [
            kit.interaction(f"{URI}?model=a", None, kit.chat_body("A"), method="GET"),
            kit.interaction(f"{URI}?model=b", None, kit.chat_body("B"), method="GET"),
        ],
    )
    (tmp_path / "tests" / "test_api.py").write_text("def test_ask():\n    pass\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    return path


def _miss(cassette: Path, *uris: str) -> str:
    """The message of VCR.py's exception when these requests replay in one test."""
    player = vcr.VCR(record_mode="none")
    with player.use_cassette(str(cassette)):
        for uri in uris:
            try:
                urllib.request.urlopen(uri).read()
            except CannotOverwriteExistingCassetteException as error:
                return str(error)
    pytest.fail("every request played")


def _why(cassette: Path, request: str, *args: str) -> tuple[int, dict[str, Any], str]:
    cwd = cassette.parents[3]
    document = recctl(
        "why", "-f", "json", str(cassette), "--request", "-", *args, cwd=cwd, stdin=request.encode()
    )
    text = recctl("why", str(cassette), "--request", "-", *args, cwd=cwd, stdin=request.encode())
    assert document.returncode == text.returncode, text.stderr
    return document.returncode, json.loads(document.stdout), text.stdout


def test_a_changed_query_names_query(tmp_path: Path) -> None:
    cassette = _cassette(tmp_path)
    message = _miss(cassette, f"{URI}?model=c")
    code, report, text = _why(cassette, message)
    assert code == 1 and not report["plays"]
    (request,) = report["requests"]
    assert request["uri"] == f"{URI}?model=c" and request["plays"] is None
    nearest = request["nearest"]
    assert [failed["matcher"] for failed in nearest["failed"]] == ["query"]
    assert "parameters differ: model" in nearest["failed"][0]["differs"]
    assert "fails query (parameters differ: model)" in text
    # The same request as JSON gives the same verdict.
    code, as_json, _ = _why(cassette, json.dumps({"method": "GET", "uri": f"{URI}?model=c"}))
    assert code == 1 and as_json["requests"][0]["nearest"] == nearest


def test_a_repeated_request_names_the_played_interaction(tmp_path: Path) -> None:
    cassette = _cassette(tmp_path)
    message = _miss(cassette, f"{URI}?model=b", f"{URI}?model=b")
    code, report, text = _why(cassette, message)
    assert code == 1
    assert report["requests"][0]["played_already"] == [{"interaction": 1, "by_request": 0}]
    assert "interaction 1 matches, but an earlier request of the run played it" in text
    twice = json.dumps([{"method": "GET", "uri": f"{URI}?model=b"}] * 2)
    code, report, text = _why(cassette, twice)
    assert code == 1 and report["requests"][0]["plays"] == 1
    assert report["requests"][1]["played_already"] == [{"interaction": 1, "by_request": 1}]
    assert "request 1 played it already" in text
    code, report, _ = _why(cassette, twice, "--allow-playback-repeats")
    assert code == 0 and [r["plays"] for r in report["requests"]] == [1, 1]


def test_matchers_come_from_the_project_and_the_options(tmp_path: Path) -> None:
    cassette = _cassette(tmp_path)
    request = json.dumps({"method": "GET", "uri": f"{URI}?model=z"})
    assert _why(cassette, request)[0] == 1
    # The project's vcr_config drops the query: the first interaction plays it.
    (tmp_path / "tests" / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef vcr_config():\n"
        "    return {'match_on': ['method', 'path']}\n"
    )
    code, report, _ = _why(cassette, request)
    assert code == 0 and report["requests"][0]["plays"] == 0
    assert report["match_on"] == ["method", "path"]
    assert report["match_on_from"] == "vcr_config in tests/conftest.py"
    code, report, _ = _why(cassette, request, "--match-on", "method,query")
    assert code == 1 and report["match_on_from"] == "--match-on"
    bad = recctl(
        "why",
        str(cassette),
        "--request",
        "-",
        "--match-on",
        "colour",
        cwd=tmp_path,
        stdin=request.encode(),
    )
    assert bad.returncode == 2 and "unknown matcher colour" in bad.stderr
    nothing = recctl("why", str(cassette), "--request", "-", cwd=tmp_path, stdin=b"hello")
    assert nothing.returncode == 2 and "CannotOverwriteExistingCassetteException" in nothing.stderr
