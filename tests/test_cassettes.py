"""VCR.py cassettes, read and guarded: shown, listed, validated, checked and redacted through
the CLI, with files made by VCR.py's own serializer and checked back with VCR.py."""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from recctl.secret_rules import RULES
from tests import cassette_kit as kit
from tests.conftest import CASSETTE_INTERACTIONS, CASSETTES, DATA, recctl
from tests.plant import pieces

EXAMPLE = {rule.kind: rule.example for rule in RULES}
OPENAI = EXAMPLE["openai-key"]
CHAT = "https://api.openai.com/v1/chat/completions"
QUESTION = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]})


def _project(tmp_path: Path) -> Path:
    """A project holding copies of the hand-made cassettes in ``tests/cassettes``."""
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    shutil.copytree(DATA / "cassettes", root / "tests" / "cassettes")
    return root


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_show_and_ls_read_every_layout_from_another_directory(tmp_path: Path) -> None:
    root = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shown = recctl("show", "-f", "json", str(root / "tests" / "cassettes"), cwd=elsewhere)
    assert shown.returncode == 0, shown.stderr
    answers = {
        (Path(record["path"]).name, record["interaction"]): record
        for record in _json_lines(shown.stdout)
    }
    expected = {
        ("test_stream.yaml", 0): ("openai-chat-stream", "Hello there", 4),
        ("test_gzip.yaml", 0): ("openai-chat", "Goodbye!", 3),
        ("test_parsed_body.yaml", 0): ("openai-chat", "4", 1),
        ("test_two_calls.yaml", 0): ("openai-chat", "First answer.", 3),
        ("test_two_calls.yaml", 1): ("anthropic-stream", "Paris is the capital.", 6),
        ("test_bedrock.yaml", 0): ("bedrock-converse-stream", "One, two, three.", 6),
    }
    got = {
        key: (record["format"], record["text"], record["usage"]["completion_tokens"])
        for key, record in answers.items()
    }
    assert got == expected
    assert answers[("test_two_calls.yaml", 1)]["test_id"] == "test_chat.py::test_two_calls"
    assert answers[("test_bedrock.yaml", 0)]["model"] == "amazon.nova-micro-v1:0"
    # An empty cassette is valid and shows no interaction.
    empty = root / "tests" / "cassettes" / "test_chat" / "test_empty.yaml"
    empty.write_text("interactions: []\nversion: 1\n")
    assert recctl("show", "-f", "json", str(empty), cwd=elsewhere).stdout == ""
    assert recctl("validate", str(empty), cwd=elsewhere).returncode == 0
    empty.unlink()
    # PATH:N is one interaction; text shows it as a conversation.
    one = recctl("show", "tests/cassettes/test_chat/test_two_calls.yaml:1", cwd=root)
    assert one.returncode == 0, one.stderr
    assert "Capital of France?" in one.stdout and "Paris is the capital." in one.stdout
    assert "test_two_calls.yaml:1 (interaction 2 of 2)" in one.stdout
    assert "First answer." not in one.stdout
    missing = recctl("show", "tests/cassettes/test_chat/test_two_calls.yaml:2", cwd=root)
    assert missing.returncode == 1 and "holds 2 (0 to 1)" in missing.stderr
    # ls: a row per cassette; --summary counts both kinds, per interaction.
    listing = recctl("ls", "-f", "json", "tests", cwd=root)
    rows = {Path(row["path"]).name: row for row in _json_lines(listing.stdout)}
    assert rows["test_two_calls.yaml"]["interactions"] == 2
    assert rows["test_two_calls.yaml"]["models"] == ["gpt-4o-mini", "claude-3-5-haiku"]
    shutil.copytree(DATA / "recordings", root / "tests" / "recordings")
    summary = recctl("ls", "--summary", "-f", "json", "tests", cwd=root)
    *_, grand = _json_lines(summary.stdout)
    assert grand["recordings"] == 5 + 2 and grand["interactions"] == 6 + 2


def test_check_and_validate_cassettes_beside_recordings(tmp_path: Path) -> None:
    root = _project(tmp_path)
    shutil.copytree(DATA / "recordings", root / "tests" / "recordings")
    # The hand-made recordings are not named by their hashes: that check is not this test's.
    checked = recctl("check", "--ignore", "hash", "project/tests", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "2 recordings and 5 cassettes clean" in checked.stdout
    # Commands for llama-stack recordings only say so for a cassette named directly.
    cassette = "tests/cassettes/test_chat/test_gzip.yaml"
    for command in (["rehash"], ["hash"]):
        refused = recctl(*command, cassette, cwd=root)
        assert refused.returncode == 2 and "is a cassette (vcr)" in refused.stderr, command
    # A cassette whose layout is wrong is a finding, not another tool's file.
    wrong = root / "tests" / "cassettes" / "test_chat" / "test_wrong_layout.yaml"
    wrong.write_text("interactions: {request: 1}\nversion: 1\n")
    layout = recctl("validate", "-f", "json", str(wrong), cwd=tmp_path)
    assert [f["pointer"] for f in _json_lines(layout.stdout)] == ["/interactions"]
    wrong.unlink()
    broken = root / "tests" / "cassettes" / "test_chat" / "test_broken.yaml"
    broken.write_text(
        "interactions:\n- request:\n    method: POST\n    uri: https://x/v1\n"
        "  response:\n    status: {code: 999}\n    body: {string: ''}\nversion: 1\n"
    )
    validated = recctl("validate", "-f", "json", "tests/cassettes", cwd=root)
    assert validated.returncode == 1
    (finding,) = _json_lines(validated.stdout)
    assert finding["pointer"] == "/interactions/0/response/status/code"
    assert finding["line"] == 6
    text = recctl("validate", "tests/cassettes", cwd=root).stdout
    assert "test_broken.yaml:6:20: /interactions/0/response/status/code: 999 is greater" in text


def _plant(directory: Path) -> dict[str, tuple[str, str]]:
    """One cassette per place a key leaks from, each made by VCR.py's serializer: its name
    -> (the secret, the kind recctl names it)."""
    planted: dict[str, tuple[str, str]] = {}

    def add(name: str, secret: str, kind: str, *interactions: dict[str, Any]) -> None:
        kit.write(directory / f"{name}.yaml", list(interactions))
        planted[name] = (secret, kind)

    reply = kit.chat_body("Hello.")
    headers = {"content-type": ["application/json"]}
    add(
        "test_authorization",
        OPENAI,
        "openai-key",
        kit.interaction(
            CHAT,
            QUESTION,
            reply,
            request_headers={**headers, "authorization": [f"Bearer {OPENAI}"]},
        ),
    )
    anthropic = EXAMPLE["anthropic-key"]
    add(
        "test_x_api_key",
        anthropic,
        "anthropic-key",
        kit.interaction(CHAT, QUESTION, reply, request_headers={"x-api-key": [anthropic]}),
    )
    google = EXAMPLE["google-api-key"]
    add(
        "test_query_key",
        google,
        "google-api-key",
        kit.interaction(
            f"https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key={google}",
            QUESTION,
            reply,
        ),
    )
    shapeless = "Zq7Lm9Xw2Vb5Nc8Kp3Rt6Yh4Jd1Fs0G"
    add(
        "test_query_credential",
        shapeless,
        "url-credential",
        kit.interaction(f"https://api.mistral.ai/v1/x?api_key={shapeless}", QUESTION, reply),
    )
    session = "s3ss10n-Qm9Lp2Xw7Zk4"
    add(
        "test_cookie",
        session,
        "cookie",
        kit.interaction(
            CHAT,
            QUESTION,
            reply,
            request_headers={"cookie": [f"__cf_bm=abcdefgh12345678; session={session}"]},
        ),
    )
    azure = "9f3b2c7d1e0a4f6b8c5d2e1f0a9b8c7d"
    add(
        "test_request_body",
        azure,
        "credential",
        kit.interaction(CHAT, json.dumps({"model": "m", "api_key": azure}), reply),
    )
    github = EXAMPLE["github-token"]
    add(
        "test_response_text",
        github,
        "github-token",
        kit.interaction(CHAT, QUESTION, kit.chat_body(f"Use token {github} to push.")),
    )
    stripe = EXAMPLE["stripe-key"]
    compressed = kit.gzipped(kit.chat_body(f"The key is {stripe}"))
    add(
        "test_gzip_body",
        stripe,
        "stripe-key",
        kit.interaction(
            CHAT,
            QUESTION,
            compressed,
            response_headers={
                "Content-Type": ["application/json"],
                "Content-Encoding": ["gzip"],
                "Content-Length": [str(len(compressed))],
            },
        ),
    )
    split = kit.sse(kit.chat_chunks(["Your key: ", OPENAI[:9], OPENAI[9:30], OPENAI[30:], "."]))
    add(
        "test_split_stream",
        OPENAI,
        "openai-key",
        kit.interaction(
            CHAT, QUESTION, split, response_headers={"Content-Type": ["text/event-stream"]}
        ),
    )
    access = EXAMPLE["aws-access-key-id"]
    sigv4 = (
        f"AWS4-HMAC-SHA256 Credential={access}/20250101/us-east-1/bedrock/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "ab12" * 16
    )
    bedrock = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"
    add(
        "test_sigv4",
        access,
        "aws-access-key-id",
        kit.interaction(bedrock, QUESTION, reply, request_headers={"Authorization": [sigv4]}),
    )
    token = "IQoJb3JpZ2luX2VjEJr" + "Zq7Lm9Xw2Vb5Nc8Kp3Rt6" * 4
    add(
        "test_session_token",
        token,
        "credential",
        kit.interaction(
            bedrock, QUESTION, reply, request_headers={"X-Amz-Security-Token": [token]}
        ),
    )
    temporary = "ASIA" + "Q7XW2VB5NC8KP3RT"
    presigned = (
        "https://bucket.s3.amazonaws.com/file.json?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={temporary}%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Signature=" + "cd34" * 16
    )
    add(
        "test_presigned_url",
        temporary,
        "aws-access-key-id",
        kit.interaction(presigned, None, "{}", method="GET"),
    )
    return planted


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str]]]:
    root = tmp_path_factory.mktemp("planted") / "project"
    (root / "pyproject.toml").parent.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    return root, _plant(root / "tests" / "cassettes" / "test_keys")


def _copy(planted: tuple[Path, dict[str, tuple[str, str]]], to: Path) -> Path:
    shutil.copytree(planted[0], to / "project")
    return to / "project"


def test_every_planted_key_is_found_where_it_stands(
    planted: tuple[Path, dict[str, tuple[str, str]]],
) -> None:
    root, files = planted
    result = recctl("check", "-f", "json", "--select", "secret", "tests", cwd=root)
    assert result.returncode == 1, result.stderr
    found: dict[str, set[str]] = {}
    for finding in _json_lines(result.stdout):
        name = Path(finding["path"]).stem
        found.setdefault(name, set()).add(finding["message"].split(" in the ")[0])
        assert isinstance(finding["line"], int), finding
    missed = [name for name, (_, kind) in files.items() if kind not in found.get(name, set())]
    assert missed == []
    text = recctl("check", "--select", "secret", "tests", cwd=root).stdout
    # Findings name the line the key stands on in the YAML.
    authorization = (root / "tests/cassettes/test_keys/test_authorization.yaml").read_text()
    line = next(n for n, text in enumerate(authorization.splitlines(), 1) if "Bearer" in text)
    assert f"test_authorization.yaml:{line}:" in text


def _every_output(root: Path) -> dict[str, str]:
    """What every command that reads cassettes prints about the planted ones."""
    commands: list[list[str]] = []
    for output in ("text", "json", "github", "sarif", "markdown"):
        commands.append(["check", "-f", output, "tests"])
    for output in ("text", "json"):
        commands += [
            ["show", "-f", output, "tests/cassettes"],
            ["ls", "-f", output, "tests"],
            ["redact", "-f", output, "tests"],
            ["validate", "-f", output, "tests"],
        ]
    commands += [
        ["show", "--raw", "tests/cassettes"],
        ["show", "--chunks", "tests/cassettes"],
        ["ls", "--summary", "--by", "test", "tests"],
        ["fix", "tests"],
        ["fix", "-f", "json", "tests"],
    ]
    outputs = {}
    for command in commands:
        result = recctl(*command, cwd=root)
        assert "Traceback" not in result.stderr, (command, result.stderr)
        outputs[" ".join(command)] = result.stdout + result.stderr
    return outputs


def test_no_command_echoes_a_planted_key(
    planted: tuple[Path, dict[str, tuple[str, str]]],
) -> None:
    root, files = planted
    outputs = _every_output(root)
    assert "openai-key" in outputs["check -f text tests"]
    leaks = [
        (command, secret[:6])
        for command, text in outputs.items()
        for secret, _ in files.values()
        for piece in pieces(secret, 12)
        if piece in text or quote(piece, safe="") in text
    ]
    assert leaks[:5] == []


def _vcrpy_load(path: Path) -> tuple[list[Any], list[Any]]:
    """The cassette as VCR.py reads it for replay."""
    requests, responses = deserialize(path.read_text(), yamlserializer)
    return list(requests), list(responses)


def test_redact_write_removes_every_key_changes_nothing_else_and_converges(
    planted: tuple[Path, dict[str, tuple[str, str]]], tmp_path: Path
) -> None:
    root = _copy(planted, tmp_path)
    files = planted[1]
    folder = root / "tests" / "cassettes" / "test_keys"
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    loaded = {path.name: _vcrpy_load(path) for path in folder.iterdir()}
    os.chmod(folder / "test_cookie.yaml", 0o600)
    shutil.copytree(root, tmp_path / "before")
    dry = recctl("redact", "tests", cwd=root)
    assert dry.returncode == 1 and "would redact" in dry.stdout
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    written = recctl("redact", "--write", "tests", cwd=root)
    assert written.returncode == 0, written.stdout + written.stderr
    assert "failed" not in written.stdout, written.stdout
    for path in folder.iterdir():
        secret, _ = files[path.stem]
        text = path.read_text()
        assert secret not in text and quote(secret, safe="") not in text, path.name
        requests, responses = _vcrpy_load(path)
        old_requests, old_responses = loaded[path.name]
        assert len(requests) == len(old_requests) and len(responses) == len(old_responses)
        assert [r.method for r in requests] == [r.method for r in old_requests]
        # Every line the redaction had no reason to touch is as it was.
        old_lines, new_lines = before[path.name].decode().splitlines(), text.splitlines()
        if path.stem not in ("test_gzip_body",):
            assert len(old_lines) == len(new_lines), path.name
            pairs = enumerate(zip(old_lines, new_lines, strict=True))
            changed = [number for number, (old, new) in pairs if old != new]
            # A split key is cut in each event that held a piece of it (three here).
            assert len(changed) <= (3 if path.stem == "test_split_stream" else 2), path.name
    # The gzipped body decodes to the answer less its key; its length header follows it.
    requests, responses = _vcrpy_load(folder / "test_gzip_body.yaml")
    body = responses[0]["body"]["string"]
    assert b"<redacted:stripe-key>" in gzip.decompress(body)
    assert responses[0]["headers"]["Content-Length"] == [str(len(body))]
    # The split key is cut from the stream: no reassembly puts it back.
    shown = recctl(
        "show", "-f", "json", "tests/cassettes/test_keys/test_split_stream.yaml", cwd=root
    )
    (record,) = _json_lines(shown.stdout)
    assert record["text"] == "Your key: <redacted:openai-key>."
    assert (folder / "test_cookie.yaml").stat().st_mode & 0o777 == 0o600
    # A review of the redaction shows what changed, and no key.
    for output in ("text", "json", "markdown"):
        reviewed = recctl(
            "diff",
            "-f",
            output,
            "--root",
            str(tmp_path),
            "before/tests",
            "project/tests",
            cwd=tmp_path,
        )
        assert reviewed.returncode == 0 and "changed" in reviewed.stdout, reviewed.stderr
        leaked = [
            secret[:6]
            for secret, _ in files.values()
            for piece in pieces(secret, 12)
            if piece in reviewed.stdout
        ]
        assert leaked == [], output
    after = {path.name: path.read_bytes() for path in folder.iterdir()}
    again = recctl("redact", "--write", "tests", cwd=root)
    assert again.returncode == 0, again.stdout
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == after
    assert recctl("check", "tests", cwd=root).returncode == 0


PLACEHOLDERS = {
    "authorization": ["FILTERED"],
    "x-api-key": ["<REDACTED>"],
    "api-key": ["Bearer OPENAI_API_KEY"],
    "x-goog-api-key": ["ya29.FILTERED_XXX"],
    "x-amz-security-token": ["X-AMZ-SECURITY-TOKEN-XXX"],
    "cookie": ["__cf_bm=Zq7Lm9Xw2Vb5Nc8Kp3Rt6Yh4Jd1Fs0G-1700000000-1.0.1.1; _cfuvid=Q7xW2vB5"],
    "openai-organization": ["user-9f3b2c7d1e0a4f6b8c5d2e1f"],
    "openai-project": ["proj_Zq7Lm9Xw2Vb5Nc8Kp3Rt6Yh4"],
}


def test_placeholders_and_non_credentials_are_never_findings(tmp_path: Path) -> None:
    folder = tmp_path / "tests" / "cassettes" / "test_clean"
    response_headers = {
        "Content-Type": ["application/json"],
        "set-cookie": [
            "__cf_bm=Q7xW2vB5Nc8Kp3Rt6Yh4Jd1Fs0G; path=/; expires=Thu, 01-Jan-2026 00:00:00 "
            "GMT; domain=.api.openai.com; HttpOnly; Secure; SameSite=None"
        ],
        "openai-organization": ["user-9f3b2c7d1e0a4f6b8c5d2e1f"],
        "x-request-id": ["req_9f3b2c7d1e0a4f6b8c5d2e1f0a9b8c7d"],
    }
    kit.write(
        folder / "test_placeholders.yaml",
        [
            kit.interaction(
                CHAT,
                json.dumps({"model": "m", "api_key": "FILTERED", "token": "<REDACTED>"}),
                kit.chat_body("fine"),
                request_headers=PLACEHOLDERS,
                response_headers=response_headers,
            )
        ],
    )
    # An image whose base64 text happens to spell a key's shape holds no key.
    spelled = "AAA/" + EXAMPLE["google-api-key"] + "AAAA"
    image = base64.b64decode(spelled + "=" * (-len(spelled) % 4))
    kit.write(
        folder / "test_image.yaml",
        [
            kit.interaction(
                "https://example.com/cat.png",
                None,
                image,
                method="GET",
                response_headers={"Content-Type": ["image/png"]},
            )
        ],
    )
    assert EXAMPLE["google-api-key"] in (folder / "test_image.yaml").read_text()
    result = recctl("check", "tests", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def _bad_inputs(folder: Path) -> dict[str, str]:
    """Hostile cassettes: name -> what the one finding about it says."""
    folder.mkdir(parents=True)
    laughs = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        laughs.append(f"a{level}: &a{level} [{refs}]")
    (folder / "test_bomb.yaml").write_text("\n".join(laughs) + "\ninteractions: [*a9]\n")
    with open(folder / "test_huge.yaml", "wb") as huge:
        huge.write(b"interactions:\n- request: {body: '")
        huge.truncate(2**30 + 10)  # a 1 GB body, as a sparse file: no disk is spent
    (folder / "test_python_tag.yaml").write_text(
        "interactions:\n- request: !!python/object/apply:os.system ['echo owned']\n"
    )
    (folder / "test_not_utf8.yaml").write_bytes(b"interactions:\n- request: {uri: '\xff\xfe'}\n")
    truncated = kit.gzipped(kit.chat_body("cut short"))[:-12]
    kit.write(
        folder / "test_truncated_gzip.yaml",
        [
            kit.interaction(
                CHAT,
                QUESTION,
                truncated,
                response_headers={"Content-Encoding": ["gzip"]},
            )
        ],
    )
    (folder / "test_cycle.yaml").write_text("interactions: &loop [*loop]\n")
    (folder / "test_deep.yaml").write_text("interactions: " + "[" * 5000 + "]" * 5000 + "\n")
    return {
        "test_bomb": "aliases expand past",
        "test_huge": "over the 64 MiB limit",
        "test_python_tag": "unsafe YAML tag !!python/object/apply:os.system",
        "test_not_utf8": "not UTF-8",
        "test_truncated_gzip": "undecodable body: gzip body is truncated",
        "test_cycle": "refers to itself",
        "test_deep": "invalid YAML",
    }


# Runs a command and prints the peak resident set of it and its children, in KiB.
PEAK = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], capture_output=True).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_hostile_cassettes_are_one_finding_each_in_bounded_time(tmp_path: Path) -> None:
    expected = _bad_inputs(tmp_path / "tests" / "cassettes" / "test_bad")
    started = time.monotonic()
    for command in (["check"], ["validate"], ["show", "-f", "json"], ["ls", "-f", "json"]):
        result = recctl(*command, "tests", cwd=tmp_path, timeout=120)
        assert "Traceback" not in result.stderr, (command, result.stderr)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
    assert time.monotonic() - started < 60
    measured = subprocess.run(
        [sys.executable, "-c", PEAK, sys.executable, "-m", "recctl", "check", "tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert measured[0] == "1" and int(measured[1]) < 200 * 1024  # KiB: well under 200 MB
    result = recctl("check", "-f", "json", "tests", cwd=tmp_path)
    by_file: dict[str, list[str]] = {}
    for finding in _json_lines(result.stdout):
        by_file.setdefault(Path(finding["path"]).stem, []).append(finding["message"])
    assert sorted(by_file) == sorted(expected)
    for name, words in expected.items():
        assert len(by_file[name]) == 1 and words in by_file[name][0], (name, by_file[name])


def test_langchain_gzipped_cassettes_and_json_cassettes_are_read_and_redacted(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "tests" / "cassettes"
    folder.mkdir(parents=True)
    secret = EXAMPLE["openai-key"]
    request = kit.interaction(CHAT, QUESTION.encode(), b"")["request"]
    request["headers"] = {"authorization": [f"Bearer {secret}"]}
    response = kit.interaction(CHAT, None, kit.chat_body("From langchain.").encode())["response"]
    document = {"requests": [request], "responses": [response]}
    (folder / "test_langchain.yaml.gz").write_bytes(
        gzip.compress(yamlserializer.serialize(document).encode(), mtime=0)
    )
    as_json = {"interactions": [kit.interaction(CHAT, QUESTION, kit.chat_body("From JSON."))]}
    as_json["interactions"][0]["request"]["headers"] = {"authorization": [f"Bearer {secret}"]}
    (folder / "test_json.json").write_text(json.dumps(as_json, indent=4))
    shown = recctl("show", "-f", "json", "tests", cwd=tmp_path)
    assert sorted(record["text"] for record in _json_lines(shown.stdout)) == [
        "From JSON.",
        "From langchain.",
    ]
    assert recctl("check", "tests", cwd=tmp_path).returncode == 1
    redacted = recctl("redact", "--write", "tests", cwd=tmp_path)
    assert redacted.returncode == 0, redacted.stdout
    assert recctl("check", "tests", cwd=tmp_path).returncode == 0
    text = gzip.decompress((folder / "test_langchain.yaml.gz").read_bytes()).decode()
    assert "<redacted:openai-key>" in text and secret not in text


def test_the_corpus_cassettes_are_found_and_valid(corpus: Path) -> None:
    """Every cassette of the corpus is found, valid and free of findings, in each of its
    projects; the files of other tools in its cassette folders are no cassettes."""
    rows = []
    for folder in sorted(corpus.glob("vcr-*")):
        listed = recctl("ls", "-f", "json", folder.name, cwd=corpus, timeout=300)
        assert listed.returncode == 0, listed.stderr
        rows += _json_lines(listed.stdout)
        for command in ("check", "validate"):
            result = recctl(command, "-q", folder.name, cwd=corpus, timeout=300)
            assert result.returncode == 0, result.stdout[-3000:]
    assert len(rows) == CASSETTES
    assert sum(row["interactions"] for row in rows) == CASSETTE_INTERACTIONS


SERVER_TEST = """
import json, os, urllib.request

import pytest


@pytest.mark.vcr
def test_ask():
    request = urllib.request.Request(
        os.environ["CHAT_URL"],
        data=json.dumps({"model": "gpt-4o-mini", "stream": True,
                         "messages": [{"role": "user", "content": "Hi"}]}).encode(),
        headers={"Authorization": "Bearer " + os.environ["CHAT_KEY"],
                 "Content-Type": "application/json"},
    )
    body = urllib.request.urlopen(request).read().decode()
    assert "Hel" in body and "[DONE]" in body
"""


def _serve(stream: str) -> tuple[Any, Callable[[], None]]:
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = stream.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return server, stop


def test_a_cassette_recorded_by_pytest_recording_is_shown_checked_redacted_and_replays(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = kit.sse(kit.chat_chunks(["Hel", "lo from ", "the server"]))
    server, stop = _serve(stream)
    monkeypatch.setenv(
        "CHAT_URL", f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
    )
    monkeypatch.setenv("CHAT_KEY", OPENAI)
    pytester.makepyfile(test_chat=SERVER_TEST)
    try:
        recorded = pytester.runpytest_subprocess("--record-mode=once", "-p", "no:randomly")
    finally:
        stop()
    recorded.assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_chat" / "test_ask.yaml"
    assert OPENAI in cassette.read_text()  # recorded before any filter existed
    shown = recctl("show", "-f", "json", str(cassette), cwd=pytester.path.parent)
    (record,) = _json_lines(shown.stdout)
    assert record["text"] == "Hello from the server" and record["format"] == "openai-chat-stream"
    checked = recctl("check", "-f", "json", "cassettes", cwd=pytester.path)
    (finding,) = _json_lines(checked.stdout)
    assert finding["check"] == "secret" and "openai-key in the header" in finding["message"]
    assert recctl("redact", "--write", "cassettes", cwd=pytester.path).returncode == 0
    assert OPENAI not in cassette.read_text()
    assert recctl("check", "cassettes", cwd=pytester.path).returncode == 0
    # Replay with no server: the redacted cassette answers.
    replayed = pytester.runpytest_subprocess("--record-mode=none", "-p", "no:randomly")
    replayed.assert_outcomes(passed=1)


def test_cache_baseline_ignores_fix_and_formats_cover_cassettes(
    planted: tuple[Path, dict[str, tuple[str, str]]], tmp_path: Path
) -> None:
    root = _copy(planted, tmp_path)
    cache = {"RECCTL_NO_CACHE": ""}
    cold = recctl("check", "-f", "json", "tests", cwd=root, env=cache)
    warm = recctl("check", "-f", "json", "tests", cwd=root, env=cache)
    assert cold.returncode == warm.returncode == 1
    assert _json_lines(cold.stdout) == _json_lines(warm.stdout)
    assert (root / ".recctl_cache").is_dir()
    # A baseline accepts today's findings; a new key is a new finding.
    assert recctl("check", "--write-baseline", "tests", cwd=root).returncode == 0
    assert recctl("check", "tests", cwd=root, env=cache).returncode == 0
    kit.write(
        root / "tests" / "cassettes" / "test_keys" / "test_new.yaml",
        [kit.interaction(CHAT, QUESTION, kit.chat_body(f"new {EXAMPLE['github-token']}"))],
    )
    fresh = recctl("check", "-f", "json", "tests", cwd=root, env=cache)
    assert [Path(f["path"]).name for f in _json_lines(fresh.stdout)] == ["test_new.yaml"]
    # Per-path ignores reach cassettes by glob.
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n[tool.recctl.per-path-ignores]\n'
        '"tests/cassettes/test_keys/test_new.yaml" = ["secret"]\n'
    )
    assert recctl("check", "tests", cwd=root, env=cache).returncode == 0
    for output in ("github", "sarif", "markdown"):
        reported = recctl("check", "--no-baseline", "-f", output, "tests", cwd=root)
        assert reported.returncode == 1 and "test_authorization.yaml" in reported.stdout
    sarif = json.loads(recctl("check", "--no-baseline", "-f", "sarif", "tests", cwd=root).stdout)
    locations = [
        result["locations"][0]["physicalLocation"] for result in sarif["runs"][0]["results"]
    ]
    assert all(location["region"]["startLine"] >= 1 for location in locations)
    # fix --write redacts cassettes as redact does.
    fixed = recctl("fix", "--write", "tests", cwd=root)
    assert fixed.returncode == 1 and "redacted:" in fixed.stdout, fixed.stdout
    assert "failed" not in fixed.stdout, fixed.stdout  # no repair of recordings tried on them
    assert recctl("check", "--no-baseline", "tests", cwd=root).returncode == 0


def test_every_content_encoding_and_stream_shape_is_read(tmp_path: Path) -> None:
    import zlib

    import brotli
    import zstandard

    folder = tmp_path / "tests" / "cassettes" / "test_encodings"
    body = kit.chat_body("Decoded.")
    encoded = {
        "gzip": kit.gzipped(body),
        "deflate": zlib.compress(body.encode()),
        "br": brotli.compress(body.encode()),
        "zstd": zstandard.ZstdCompressor().compress(body.encode()),
        "gzip, br": brotli.compress(kit.gzipped(body)),
    }
    for name, data in encoded.items():
        headers = {"Content-Type": ["application/json"], "Content-Encoding": [name]}
        kit.write(
            folder / f"test_{name.replace(', ', '_')}.yaml",
            [kit.interaction(CHAT, QUESTION, data, response_headers=headers)],
        )
    chunks = [
        {
            "candidates": [{"content": {"role": "model", "parts": [{"text": piece}]}}],
            "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": count},
            "modelVersion": "gemini-2.0-flash",
        }
        for piece, count in (("Array ", None), ("stream.", 2))
    ]
    kit.write(
        folder / "test_gemini_array.yaml",
        [
            kit.interaction(
                "https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent",
                "{}",
                json.dumps(chunks),
            )
        ],
    )
    shown = recctl("show", "-f", "json", "tests", cwd=tmp_path)
    records = {Path(r["path"]).stem: r for r in _json_lines(shown.stdout)}
    assert {name: r["text"] for name, r in records.items()} == {
        **{f"test_{name.replace(', ', '_')}": "Decoded." for name in encoded},
        "test_gemini_array": "Array stream.",
    }
    gemini = records["test_gemini_array"]
    assert gemini["streaming"] and gemini["usage"]["completion_tokens"] == 2
    assert recctl("check", "tests", cwd=tmp_path).returncode == 0


def test_through_a_symlink_on_an_80_column_terminal(tmp_path: Path) -> None:
    """A user who reaches the project through a symlink, on a narrow terminal: the same
    files, the same findings, rows that fit, and writes that land in the real files."""
    from tests.test_output import _width, on_terminal

    root = _project(tmp_path)
    shutil.copytree(DATA / "recordings", root / "tests" / "recordings")
    link = tmp_path / "link"
    link.symlink_to(root, target_is_directory=True)
    leak = root / "tests" / "cassettes" / "test_chat" / "test_leak.yaml"
    kit.write(
        leak,
        [
            kit.interaction(
                CHAT,
                QUESTION,
                kit.chat_body("hi"),
                request_headers={"authorization": [f"Bearer {OPENAI}"]},
            )
        ],
    )
    direct = recctl("check", "-f", "json", "--ignore", "hash", "project/tests", cwd=tmp_path)
    linked = recctl("check", "-f", "json", "--ignore", "hash", "link/tests", cwd=tmp_path)
    assert [f["message"] for f in _json_lines(linked.stdout)] == [
        f["message"] for f in _json_lines(direct.stdout)
    ]
    assert len(_json_lines(linked.stdout)) == 1
    table = on_terminal(["ls", "link/tests"], tmp_path).splitlines()
    assert len(table) == 2 + 6 + 2  # a header, a row a file, the total: nothing wraps
    assert max(map(_width, table)) <= 80
    assert "2 recordings, 6 cassettes (7 interactions)" in table[-1]
    shown = on_terminal(["show", "link/tests/cassettes/test_chat/test_two_calls.yaml:1"], tmp_path)
    assert "Paris is the capital." in shown
    assert max(map(_width, shown.splitlines())) <= 80
    assert OPENAI not in on_terminal(["show", str(leak.relative_to(tmp_path))], tmp_path)
    written = recctl("redact", "--write", "link/tests", cwd=tmp_path)
    assert written.returncode == 0, written.stdout + written.stderr
    assert leak.is_file() and not leak.is_symlink() and OPENAI not in leak.read_text()
