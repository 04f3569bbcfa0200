"""Secrets: found wherever a recorder leaks them, never printed, and redacted for good."""

from __future__ import annotations

import json
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from recctl import secrets, store
from tests import plant
from tests.conftest import invoke


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, tuple[str, str]]]:
    """A project with every kind of secret in every place, one file each."""
    top = tmp_path_factory.mktemp("planted")
    (top / "pyproject.toml").write_text("")
    files = {path: (kind, place) for kind, place, path in plant.every_file(top / "recordings")}
    return top, files


@pytest.fixture(scope="module")
def findable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, tuple[str, str]]]:
    """The planted files whose secret the scan can find: those nothing may print. (A
    shapeless value in prose is prose to every scanner.)"""
    top = tmp_path_factory.mktemp("findable")
    (top / "pyproject.toml").write_text("")
    files = {}
    for kind, place, path in plant.every_file(top / "recordings"):
        if plant.expected(kind, place):
            files[path] = (kind, place)
        else:
            path.unlink()
    return top, files


def _copy(planted: tuple[Path, dict[Path, tuple[str, str]]], to: Path) -> dict[Path, Any]:
    top, files = planted
    shutil.copytree(top, to, dirs_exist_ok=True)
    return {to / path.relative_to(top): where for path, where in files.items()}


def _findings(*args: str) -> list[dict[str, Any]]:
    result = invoke(["check", "-f", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_every_kind_is_found_in_every_place(
    planted: tuple[Path, dict[Path, tuple[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, files = planted
    monkeypatch.chdir(top)
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in _findings("--select", "secret"):
        found[Path(finding["path"]).name].append(finding)
    missed = [
        (kind, place)
        for path, (kind, place) in files.items()
        if plant.expected(kind, place) and not found[path.name]
    ]
    assert missed == []
    unexpected = [
        (kind, place)
        for path, (kind, place) in files.items()
        if not plant.expected(kind, place) and found[path.name]
    ]
    assert unexpected == []  # shapeless values in free text cannot be told from prose
    # Each finding is located: a line, and a pointer into the file.
    assert all(f["line"] and f["pointer"] for items in found.values() for f in items)


def test_where_and_how(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    split = plant.write(tmp_path / "recordings", "openai-key", "split across two chunks")
    body = plant.write(tmp_path / "recordings", "anthropic-key", "body field")
    mapping = plant.write(tmp_path / "recordings", "github-token", "mapping key")
    by_name = {Path(f["path"]).name: f for f in _findings("--select", "secret")}
    assert "split across 2 chunks" in by_name[split.name]["message"]
    assert by_name[split.name]["pointer"] == "/response/body/1/__data__/choices/0/delta/content"
    assert "rotate the key, then re-record" in by_name[body.name]["message"]
    assert "in the mapping" in by_name[mapping.name]["message"]
    # The pointer names the key that is the secret: masked, not printed.
    assert by_name[mapping.name]["pointer"].startswith("/id_normalization_mapping/‹github-token")


def _outputs(top: Path, files: dict[Path, tuple[str, str]]) -> dict[str, str]:
    """What every read-only command prints, in every format, over the planted files."""
    some = sorted(files)[:3]
    first, second = some[0], some[1]
    commands: list[list[str]] = []
    for output in ("text", "json", "github", "sarif"):
        commands.append(["check", "-f", output, "recordings"])
    for output in ("text", "json", "github"):
        commands += [
            ["validate", "-f", output, "recordings"],
            ["rehash", "-f", output, "recordings"],
        ]
    for output in ("text", "json"):
        commands += [
            ["show", "-f", output, "recordings"],
            ["ls", "-f", output, "recordings"],
            ["ls", "--summary", "--by", "test", "-f", output, "recordings"],
            ["prune", "-f", output, "recordings"],
            ["normalize", "-f", output, "recordings"],
            ["redact", "-f", output, "recordings"],
            ["diff", "-f", output, str(first), str(second)],
            ["diff", "-f", output, "recordings", "recordings"],
        ]
    commands += [["show", "--raw", "recordings"], ["show", "--chunks", "recordings"]]
    for path in files:
        commands += [["hash", "--explain", str(path)], ["rehash", "--explain", str(path)]]
    return {" ".join(command): invoke(command).output for command in commands}


def test_no_output_holds_any_piece_of_a_secret(
    findable: tuple[Path, dict[Path, tuple[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, files = findable
    monkeypatch.chdir(top)
    outputs = _outputs(top, files)
    assert "openai-key" in outputs["check -f text recordings"]
    planted = {plant.KINDS[kind] for kind, _ in files.values()}
    leaks = [
        (command, secret[:8], piece)
        for command, text in outputs.items()
        for secret in planted
        for piece in plant.pieces(secret)
        if piece in text or json.dumps(piece)[1:-1] in text
    ]
    assert leaks[:5] == []


def test_schema_messages_are_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    path = plant.write(tmp_path / "recordings", "openai-key", "header")
    data = json.loads(path.read_text())
    data["request"]["headers"]["X-Api-Key"] = [plant.KINDS["openai-key"]]  # not a string
    path.write_text(json.dumps(data, indent=2) + "\n")
    for command, output in [
        *(("validate", output) for output in ("text", "json", "github")),
        *(("check", output) for output in ("text", "json", "github", "sarif")),
    ]:
        if True:
            result = invoke([command, "-f", output, "recordings"])
            assert result.exit_code == 1
            assert "is not of type" in result.stdout or "schema" in result.stdout
            assert plant.KINDS["openai-key"][:16] not in result.stdout, (command, output)


def test_redact_removes_every_secret_outside_the_request_body_and_converges(
    planted: tuple[Path, dict[Path, tuple[str, str]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = _copy(planted, tmp_path)
    monkeypatch.chdir(tmp_path)
    first = invoke(["redact", "--write", "-f", "json", "recordings"])
    actions = [json.loads(line) for line in first.stdout.splitlines()]
    assert first.exit_code == 1  # request-body secrets remain: rotate and re-record
    assert {a["action"] for a in actions} <= {"redacted", "re-record"}, [
        a for a in actions if a["action"] not in ("redacted", "re-record")
    ]
    for path, (kind, place) in files.items():
        text = path.read_text()
        data = json.loads(text)
        assert text == json.dumps(data, indent=2) + "\n"  # the recorder's bytes
        secret = plant.KINDS[kind]
        outside = {key: value for key, value in data.items() if key != "request"}
        outside["headers"] = data["request"]["headers"]
        outside["url"] = data["request"]["url"]
        if plant.expected(kind, place):
            assert secret not in json.dumps(outside), (kind, place)
            assert json.dumps(secret)[1:-1] not in json.dumps(outside), (kind, place)
        if place in plant.HASHED and plant.expected(kind, place):
            # Left as it was: the request hash covers it.
            assert json.dumps(secret)[1:-1] in json.dumps(data["request"]["body"])
    snapshot = {path: path.read_bytes() for path in files}
    second = invoke(["redact", "--write", "recordings"])
    assert {path: path.read_bytes() for path in files} == snapshot  # converged
    assert "redacted:" not in second.stdout.replace("<redacted:", "")
    remaining = _findings("--select", "secret")
    assert remaining
    assert all("re-record" in f["message"] for f in remaining)
    places = {files[Path(f["path"]).resolve()][1] for f in remaining}
    assert places <= plant.HASHED
    # Every file is still a recording replay finds under its name.
    assert invoke(["rehash", "recordings"]).exit_code == 0


def test_a_placeholder_is_never_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    path = plant.write(tmp_path / "recordings", "openai-key", "header")
    data = json.loads(path.read_text())
    data["request"]["headers"] = {
        "Authorization": "Bearer <redacted:openai-key>",
        "Proxy-Authorization": "Basic <redacted:basic-auth>",
        "X-Api-Key": "<redacted:credential>",
        "Cookie": "session=<redacted:cookie>",
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
    assert _findings("--select", "secret") == []


def test_allowlisted_fingerprints_need_the_projects_salt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = plant.write(tmp_path / "recordings", "openai-key", "response chunk")
    (tmp_path / "pyproject.toml").write_text("")
    [unsalted_finding] = _findings("--select", "secret")
    assert "fingerprint" not in unsalted_finding["message"]  # nothing to brute-force
    (tmp_path / "pyproject.toml").write_text('[tool.recctl]\nsecret-salt = "0f1e2d3c"\n')
    [finding] = _findings("--select", "secret")
    expected = secrets.fingerprint(plant.KINDS["openai-key"], "0f1e2d3c")
    assert f"fingerprint {expected}" in finding["message"]
    # Without the salt, the fingerprint is not the plain hash a guesser could compute.
    import hashlib

    unsalted = hashlib.sha256(plant.KINDS["openai-key"].encode()).hexdigest()[:16]
    assert unsalted not in finding["message"]
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.recctl]\nsecret-salt = "0f1e2d3c"\nsecret-allowlist = ["{expected}"]\n'
    )
    assert _findings("--select", "secret") == []
    (tmp_path / "pyproject.toml").write_text(f'[tool.recctl]\nsecret-allowlist = ["{expected}"]\n')
    refused = invoke(["check", str(path)])
    assert refused.exit_code == 2
    assert "secret-allowlist needs secret-salt" in refused.stderr


def test_show_reveal_is_for_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    path = plant.write(tmp_path / "recordings", "openai-key", "response chunk")
    masked = invoke(["show", str(path)])
    assert "‹openai-key" in masked.stdout
    refused = invoke(["show", "--reveal", str(path)])
    assert refused.exit_code == 2
    assert "terminal only" in refused.stderr


def test_the_scan_is_linear(tmp_path: Path) -> None:
    """20k key-shaped tokens in one message: seconds, not minutes (bench/ has the figure)."""
    data = plant.base()
    tokens = " ".join(f"AKIA{index:016d}" for index in range(20_000))
    data["request"]["body"]["messages"][0]["content"] = tokens
    raw = store.dumps(data)
    start = time.perf_counter()
    found = secrets.scan(raw, store.parse(raw))
    elapsed = time.perf_counter() - start
    assert len(found) == 20_000
    assert elapsed < 10, elapsed


def test_the_salt_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    plant.write(tmp_path / "recordings", "openai-key", "response chunk")
    result = invoke(["check", "-f", "json"], env={"RECCTL_SECRET_SALT": "from-ci"})
    expected = secrets.fingerprint(plant.KINDS["openai-key"], "from-ci")
    assert f"fingerprint {expected}" in result.stdout
