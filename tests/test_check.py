"""``recctl check``, ``normalize``, ``redact`` and secret scanning."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recctl import secret_rules, secrets
from recctl.scan import PatternSet
from tests import recorder
from tests.conftest import DATA, invoke, try_hook

SECRETS = {
    "openai-key": "sk-" + "A1b2C3d4E5f6G7h8" * 3,
    "openai-project-key": "sk-proj-" + "Zz09Yy18Xx27Ww36" * 3,
    "openai-service-key": "sk-svcacct-" + "Qq12Rr34Ss56Tt78" * 3,
    "openai-admin-key": "sk-admin-" + "Mm12Nn34Oo56Pp78" * 3,
    "anthropic-key": "sk-ant-api03-" + "Kk12Ll34Mm56Nn78" * 3,
    "google-api-key": "AIza" + "SyD4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T",
    "aws-access-key-id": "AKIA" + "Q3EXAMPLE7KEY2ID",
    "aws-session-key-id": "ASIA" + "Q3EXAMPLE7KEY2ID",
    "github-token": "ghp_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6",
    "github-oauth-token": "gho_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6",
    "github-pat": "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "huggingface-token": "hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567",
    "groq-key": "gsk_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghij",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "private-key": "-----BEGIN RSA PRIVATE KEY-----",
}
PLACES = ("header", "url", "body", "response")


def _base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    return data


def _plant(data: dict[str, Any], secret: str, place: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    if place == "header":
        data["request"]["headers"]["X-Debug"] = f"value {secret}"
    elif place == "url":
        data["request"]["url"] += f"?note={secret}"
    elif place == "body":
        data["request"]["body"]["messages"][0]["content"] += f"\nmy key: {secret}"
    else:
        data["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = (
            f"use {secret} now"
        )
    return data


def _write_recorded(directory: Path, data: dict[str, Any], scheme: str = "4") -> Path:
    name, content = recorder.record(data, scheme)
    path = directory / name
    path.write_text(content)
    return path


def _findings(*args: str) -> list[dict[str, Any]]:
    result = invoke(["check", "--format", "json", *args])
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_recorded_files_are_clean(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    _write_recorded(directory, _base())
    result = invoke(["check"])
    assert result.exit_code == 0, result.stdout
    assert "✓ 1 recording clean" in result.stdout


@pytest.mark.parametrize("place", PLACES)
def test_every_kind_of_secret_is_found_in_every_place(project: Path, place: str) -> None:
    directory = project / "recordings"
    directory.mkdir()
    for kind, secret in SECRETS.items():
        path = _write_recorded(directory, _plant(_base(), secret, place))
        path.rename(directory / f"{kind}-{path.name}")
    findings = _findings("--select", "secret")
    by_file = {Path(f["path"]).name.split("-" + "0")[0]: f for f in findings}
    assert len(findings) >= len(SECRETS)
    for kind in SECRETS:
        matching = [f for f in findings if Path(f["path"]).name.startswith(kind + "-")]
        assert matching, (kind, place)
        assert any(f"in the {place}" in f["message"] for f in matching), (kind, matching)
        assert all(f["line"] for f in matching)
    assert by_file


fragments = st.sampled_from(
    [*SECRETS.values(), "sk-", "eyJ", "Bearer ", "gh", "ghp_", "AKIA", "-----BEGIN ", "hf_"]
)
texts = st.lists(fragments | st.text(alphabet='aZ09_-. \\n"/+=', max_size=30), max_size=12)


class _EveryRule:
    """A quick scan that says every rule may match: what the real one may only narrow."""

    def present(self, data: bytes) -> set[int]:
        return set(range(len(secret_rules.RULES)))


@given(texts)
@settings(max_examples=300, deadline=None)
def test_the_multi_literal_prefilter_changes_no_finding(pieces: list[str]) -> None:
    raw = json.dumps({"request": {"body": "".join(pieces)}}).encode()
    hyperscan_at_once = PatternSet(secrets._PREFILTER.patterns, compile_after=0)
    with mock.patch.object(secrets, "_PREFILTER", hyperscan_at_once):
        with_prefilter = [(f.kind, f.value, f.offset) for f in secrets.shaped_keys(raw)]
    with mock.patch.object(secrets, "_PREFILTER", _EveryRule()):
        every_rule = [(f.kind, f.value, f.offset) for f in secrets.shaped_keys(raw)]
    assert every_rule == with_prefilter


def test_credentials_known_by_their_place(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    data = _base()
    data["request"]["headers"] = {
        "Authorization": "Token abc.def.ghi-not-a-known-format-1234",
        "x-api-key": "plainkey0123456789",
        "api-key": "azurekey0123456789",
        "Proxy-Authorization": "Basic dXNlcjpwYXNzd29yZA==",
    }
    data["request"]["url"] = (
        "https://user:hunter2secret@api.example.com/v1/chat/completions?api_key=abcd1234efgh"
    )
    _write_recorded(directory, data)
    messages = [f["message"] for f in _findings("--select", "secret")]
    kinds = sorted(message.split(" in the ")[0] for message in messages)
    assert kinds == sorted(
        [
            "authorization-header",
            "credential",
            "credential",
            "basic-auth",
            "url-password",
            "url-credential",
        ]
    )


def test_lookalikes_are_not_secrets(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    data = _base()
    data["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = (
        "see https://news.example.com/a?u=AWhsk-3kPDokabcdefghijklmnopqrstuvwxyz "
        "hash 29c3a1701646c8272d981bb126a6e226d2101245e1521044b34ff1b8fb816aa4 "
        "id rec-0123456789ab, tokens [12, 345], base64 AAAAAAAAgD8AAIA/AAAAAAAAgD8AAIA/"
    )
    data["request"]["headers"] = {"Authorization": "<redacted:openai-key>"}
    _write_recorded(directory, data)
    assert _findings("--select", "secret") == []


def test_no_output_contains_a_planted_secret(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    for place in PLACES:
        for secret in SECRETS.values():
            _write_recorded(directory, _plant(_base(), secret, place))
    outputs = []
    for fmt in ("text", "json", "github", "sarif"):
        result = invoke(["check", "-f", fmt])
        outputs.append(result.output)
    for args in (["redact"], ["redact", "-f", "json"]):
        outputs.append(invoke(args).output)
    for output in outputs:
        for secret in SECRETS.values():
            if secret.startswith("-----BEGIN"):
                continue  # a marker, not a credential: naming it is the point
            assert secret not in output
            assert secret[:-4] not in output


def test_the_corpus_has_no_secret(corpus: Path) -> None:
    assert _findings("--select", "secret", str(corpus)) == []


def test_each_check_and_select_ignore(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    data = _base()
    data["request"]["body"]["temperature"] = 0.1234567
    _write_recorded(directory, data, scheme="2")  # outdated name
    raw = _write_recorded(directory, _plant(_base(), SECRETS["groq-key"], "response"))
    unnormalized = json.loads(raw.read_text())
    unnormalized["response"]["body"][0]["__data__"]["id"] = "chatcmpl-raw"
    unnormalized["response"]["body"][0]["__data__"]["created"] = 1760000000
    raw.write_text(json.dumps(unnormalized, indent=2) + "\n")
    broken = _base()
    broken["test_id"] = 5
    (directory / ("b" * 64 + ".json")).write_text(json.dumps(broken, indent=2) + "\n")
    checks = sorted({f["check"] for f in _findings()})
    assert checks == ["hash", "normalization", "schema", "secret"]
    assert {f["check"] for f in _findings("--select", "hash,secret")} == {"hash", "secret"}
    assert {f["check"] for f in _findings("--ignore", "hash", "--ignore", "secret")} == {
        "normalization",
        "schema",
    }
    normalization = next(f for f in _findings() if f["check"] == "normalization")
    assert normalization["pointer"] == "/response/body/0/__data__/id"
    assert "'chatcmpl-raw' should be" in normalization["message"]
    (project / "pyproject.toml").write_text('[tool.recctl]\nselect = ["schema"]\n')
    assert {f["check"] for f in _findings()} == {"schema", "hash"} - {"hash"}
    bad = invoke(["check", "--select", "spelling"])
    assert bad.exit_code == 2
    assert "unknown check spelling" in bad.stderr


def test_sarif_output(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    _write_recorded(
        directory,
        _plant(_base(), SECRETS["hf"] if "hf" in SECRETS else SECRETS["huggingface-token"], "body"),
    )
    result = invoke(["check", "--format", "sarif"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    run = document["runs"][0]
    assert run["tool"]["driver"]["name"] == "recctl"
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == {
        "schema",
        "hash",
        "normalization",
        "secret",
    }
    [result_] = run["results"]
    assert result_["ruleId"] == "secret"
    assert result_["locations"][0]["physicalLocation"]["region"]["startLine"] > 1


def test_fix_normalizes_and_renames_then_checks(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    data = _base()
    data["request"]["body"]["temperature"] = 0.1234567
    old = _write_recorded(directory, data, scheme="2")
    document = json.loads(old.read_text())
    document["response"]["body"][0]["__data__"]["created"] = 1760000000
    old.write_text(json.dumps(document, indent=2) + "\n")
    new_name, expected = recorder.record(data, "4")
    result = invoke(["check", "--fix"])
    assert result.exit_code == 0, result.output
    assert "fix: normalized" in result.stderr
    assert f"fix: renamed: recordings/{old.name} -> recordings/{new_name}" in result.stderr
    assert [p.name for p in directory.iterdir()] == [new_name]
    assert (directory / new_name).read_text() == expected


def test_normalize_dry_run_write_and_idempotence(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    path = _write_recorded(directory, _base())
    original = path.read_bytes()
    raw = json.loads(original)
    for index, chunk in enumerate(raw["response"]["body"]):
        chunk["__data__"]["id"] = "chatcmpl-AbC123"
        chunk["__data__"]["created"] = 1760000000 + index
    path.write_text(json.dumps(raw, indent=2) + "\n")
    dry = invoke(["normalize"])
    assert dry.exit_code == 1
    assert f"would normalize: recordings/{path.name} (created, id)" in dry.stdout
    assert path.read_bytes() != original
    assert invoke(["normalize", "--write"]).exit_code == 0
    assert path.read_bytes() == original  # exactly what the recorder writes
    before = path.stat().st_mtime_ns
    again = invoke(["normalize", "--write", "-f", "json"])
    assert json.loads(again.stdout)["action"] == "unchanged"
    assert path.stat().st_mtime_ns == before


def test_normalize_keeps_models_and_fixes_ollama_times(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    name = "a" * 64 + ".json"
    data = {
        "test_id": None,
        "request": {
            "method": "POST",
            "url": "http://localhost:11434/api/generate",
            "headers": {},
            "body": {},
            "endpoint": "/api/generate",
            "model": "m",
        },
        "response": {
            "body": [
                {
                    "__type__": "ollama._types.GenerateResponse",
                    "__data__": {
                        "model": "m",
                        "created_at": "2025-10-01T10:00:00Z",
                        "total_duration": 123,
                        "eval_duration": None,
                        "response": "x",
                    },
                },
                {
                    "__type__": "openai.types.model.Model",
                    "__data__": {"id": "gpt", "created": 17, "object": "model"},
                },
            ],
            "is_streaming": True,
        },
    }
    (directory / name).write_text(json.dumps(data, indent=2) + "\n")
    invoke(["normalize", "--write"])
    body = json.loads((directory / name).read_text())["response"]["body"]
    assert body[0]["__data__"]["created_at"] == "1970-01-01T00:00:00.000000Z"
    assert body[0]["__data__"]["total_duration"] == 0
    assert body[0]["__data__"]["eval_duration"] is None
    assert body[1]["__data__"] == {"id": "gpt", "created": 17, "object": "model"}


def test_normalize_on_a_corpus_copy(corpus: Path, project: Path) -> None:
    target = project / "copy"
    shutil.copytree(corpus, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    before = {path: path.read_bytes() for path in target.rglob("*.json")}
    results = [
        json.loads(line)
        for line in invoke(["normalize", "--write", "-f", "json", "copy"]).stdout.splitlines()
    ]
    changed = {r["path"] for r in results if r["action"] == "normalized"}
    assert {r["action"] for r in results} <= {"normalized", "unchanged"}
    for path, raw in before.items():
        if str(path.relative_to(project)) not in changed:
            assert path.read_bytes() == raw, path
    assert len(changed) == 33
    again = [
        json.loads(line)["action"]
        for line in invoke(["normalize", "-f", "json", "copy"]).stdout.splitlines()
    ]
    assert set(again) == {"unchanged"}


def test_redact_headers_urls_and_responses_but_not_bodies(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    data = _plant(
        _plant(_base(), SECRETS["openai-key"], "response"), SECRETS["google-api-key"], "body"
    )
    data["request"]["headers"] = {"Authorization": f"Bearer {SECRETS['openai-project-key']}"}
    path = _write_recorded(directory, data)
    dry = invoke(["redact"])
    assert dry.exit_code == 1
    assert "would redact" in dry.stdout and "rotate the key and re-record" in dry.stdout
    written = invoke(["redact", "--write", "-f", "json"])
    actions = sorted(json.loads(line)["action"] for line in written.stdout.splitlines())
    assert actions == ["re-record", "redacted", "redacted"]
    text = path.read_text()
    assert SECRETS["openai-key"] not in text and SECRETS["openai-project-key"] not in text
    assert "<redacted:openai-key>" in text
    assert SECRETS["google-api-key"] in text  # part of the hash: left for a re-record
    assert invoke(["rehash"]).exit_code == 0  # the name still matches the request


@pytest.mark.slow
def test_pre_commit_hooks_pass_and_fail(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    directory = repo / "tests" / "recordings"
    directory.mkdir(parents=True)
    _write_recorded(directory, _base())

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    def try_repo() -> subprocess.CompletedProcess[str]:
        return try_hook(repo, "recctl-check", tmp_path)

    cassettes = repo / "tests" / "cassettes"
    shutil.copytree(DATA / "cassettes", cassettes)
    # Another tool's YAML beside the cassettes is no cassette: not judged.
    (cassettes / "test_chat" / "test_other.xai.yaml").write_text(
        "version: 1\ninteractions:\n- request_sample: {json: {model: grok}}\n"
    )
    git("init", "-q")
    git("add", ".")
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    leaking = cassettes / "test_chat" / "test_leak.yaml"
    text = (cassettes / "test_chat" / "test_gzip.yaml").read_text()
    leaking.write_text(
        text.replace(
            "- application/json",
            f"- application/json\n      x-api-key:\n      - {SECRETS['openai-key']}",
            1,
        )
    )
    broken = _base()
    broken["test_id"] = 5
    (directory / ("c" * 64 + ".json")).write_text(json.dumps(broken, indent=2) + "\n")
    data = _base()
    data["request"]["body"]["temperature"] = 0.1234567
    outdated = _write_recorded(directory, data, scheme="2")
    leaked = _write_recorded(directory, _plant(_base(), SECRETS["anthropic-key"], "response"))
    git("add", ".")
    failed = try_repo()
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert f"{'c' * 64}.json" in output and "[schema]" in output
    assert outdated.name in output and "[hash]" in output
    assert leaked.name in output and "anthropic-key" in output and "[secret]" in output
    line = leaking.read_text().splitlines().index(f"      - {SECRETS['openai-key']}") + 1
    assert f"test_leak.yaml:{line}:" in output and "openai-key in the header" in output
    assert SECRETS["anthropic-key"] not in output and SECRETS["openai-key"] not in output


def test_a_key_in_a_raw_http_url_is_part_of_the_hash(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    data = {
        "test_id": "tests/t.py::test_x",
        "request": {
            "test_id": "tests/t.py::test_x",
            "url": f"https://generativelanguage.googleapis.com/v1beta/interactions?key={SECRETS['google-api-key']}",
            "method": "POST",
            "payload": {"model": "g", "input": "hi"},
        },
        "response": {"body": {"outputs": []}, "is_streaming": False},
    }
    path = _write_recorded(directory, data)
    before = path.read_bytes()
    [action] = [
        json.loads(line) for line in invoke(["redact", "--write", "-f", "json"]).stdout.splitlines()
    ]
    assert (action["kind"], action["where"], action["action"]) == (
        "google-api-key",
        "url",
        "re-record",
    )
    assert path.read_bytes() == before
