"""``recctl normalize`` of VCR.py cassettes: the volatile headers the project names are
dropped, every byte the matchers read kept, and VCR.py replays the result."""

from __future__ import annotations

import json
from pathlib import Path

from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from tests import cassette_kit as kit
from tests.conftest import recctl

CHAT = "https://api.openai.com/v1/chat/completions"
CONFIG = (
    '[project]\nname = "demo"\n[tool.recctl]\n'
    'normalize-headers = ["date", "cf-ray", "x-ratelimit-*", "user-agent"]\n'
)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_chat.py").write_text("def test_ask():\n    pass\n")
    path = tmp_path / "tests" / "cassettes" / "test_chat" / "test_ask.yaml"
    kit.write(
        path,
        [
            kit.interaction(
                CHAT,
                json.dumps({"model": "m"}),
                kit.chat_body("hi"),
                request_headers={"user-agent": ["OpenAI/Python 1.0"], "x-app": ["demo"]},
                response_headers={
                    "Content-Type": ["application/json"],
                    "date": ["Mon, 01 Jan 2025 00:00:00 GMT"],
                    "CF-RAY": ["8f1abc-AMS"],
                    "x-ratelimit-remaining-tokens": ["9000"],
                },
            )
        ],
    )
    return path


def test_normalize_drops_the_named_volatile_headers_and_converges(tmp_path: Path) -> None:
    cassette = _project(tmp_path)
    before = cassette.read_text()
    dry = recctl("normalize", "-f", "json", "tests", cwd=tmp_path)
    assert dry.returncode == 1
    (record,) = [json.loads(line) for line in dry.stdout.splitlines()]
    assert record["action"] == "would normalize"
    assert record["fields"] == ["cf-ray", "date", "user-agent", "x-ratelimit-remaining-tokens"]
    assert cassette.read_text() == before
    assert recctl("normalize", "--write", "tests", cwd=tmp_path).returncode == 0
    after = cassette.read_text()
    for gone in ("date:", "CF-RAY", "x-ratelimit", "user-agent"):
        assert gone not in after
    assert "x-app" in after and "Content-Type" in after
    # Only the removed lines are gone: every other line as it was, in order.
    kept = [line for line in before.splitlines() if line in after.splitlines()]
    assert kept == after.splitlines()
    requests, responses = deserialize(after, yamlserializer)
    assert len(requests) == 1 and responses[0]["status"]["code"] == 200
    again = recctl("normalize", "--write", "tests", cwd=tmp_path)
    assert again.returncode == 0 and cassette.read_text() == after


def test_a_test_that_matches_on_headers_keeps_its_request_headers(tmp_path: Path) -> None:
    cassette = _project(tmp_path)
    (tmp_path / "tests" / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef vcr_config():\n"
        "    return {'match_on': ['method', 'uri', 'headers']}\n"
    )
    assert recctl("normalize", "--write", "tests", cwd=tmp_path).returncode == 0
    text = cassette.read_text()
    assert "user-agent" in text and "CF-RAY" not in text


def test_without_configured_headers_nothing_changes(tmp_path: Path) -> None:
    cassette = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    before = cassette.read_text()
    assert recctl("normalize", "--write", "tests", cwd=tmp_path).returncode == 0
    assert cassette.read_text() == before
