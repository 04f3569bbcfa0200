"""The secret check alone reads a recording's bytes and parses only what its scan needs: it
finds what the full check finds, and a file that does not parse is scanned as text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from recctl import secret_rules
from recctl.parallel import PARALLEL_THRESHOLD
from tests import cassette_kit, plant, recorder
from tests.conftest import recctl


def _secret_findings(*args: str, cwd: Path) -> list[dict[str, Any]]:
    result = recctl("check", "-f", "json", "--no-cache", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return sorted(
        (record for record in records if record["check"] == "secret"),
        key=lambda record: (record["path"], record["pointer"], record["message"]),
    )


def test_the_secret_check_alone_finds_what_the_full_check_finds(tmp_path: Path) -> None:
    """Every kind of key in every place (a url's query and user info, a stream's chunks, an
    escaped letter, a duplicate key), run from another folder through a symlink."""
    top = tmp_path / "project"
    top.mkdir()
    (top / "pyproject.toml").write_text("")
    files = list(plant.every_file(top / "recordings"))
    link = tmp_path / "link"
    link.symlink_to(top)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    alone = _secret_findings("--select", "secret", "../link/recordings", cwd=elsewhere)
    full = _secret_findings("../link/recordings", cwd=elsewhere)
    assert alone == full
    places = {Path(record["path"]).name for record in alone}
    assert len(places) >= len([f for f in files if plant.expected(f[0], f[1])])


def test_a_file_that_does_not_parse_is_scanned_as_text(tmp_path: Path) -> None:
    """A recording cut short still holds its key: the secret check reports it, and the full
    check reports the file as unreadable and the key."""
    (tmp_path / "pyproject.toml").write_text("")
    folder = tmp_path / "recordings"
    folder.mkdir()
    key = plant.KINDS["openai-key"]
    text = json.dumps({"request": {"headers": {"X-Api-Key": key}}, "response": {}}, indent=2)
    broken = folder / ("0" * 64 + ".json")
    broken.write_text(text[: text.index(key) + len(key) + 3])

    alone = recctl("check", "-f", "json", "--select", "secret", str(broken), cwd=tmp_path)
    assert alone.returncode == 1, alone.stderr
    [finding] = [json.loads(line) for line in alone.stdout.splitlines()]
    assert finding["check"] == "secret" and finding["line"] == 4
    assert key not in alone.stdout

    full = recctl("check", "-f", "json", str(broken), cwd=tmp_path)
    checks = sorted(json.loads(line)["check"] for line in full.stdout.splitlines())
    assert full.returncode == 1 and checks == ["schema", "secret"], full.stdout
    assert key not in full.stdout


def test_a_cassette_that_does_not_parse_is_scanned_as_text(tmp_path: Path) -> None:
    """The same for a VCR.py cassette cut short, named through a symlinked folder, in text
    at 80 columns: the key is reported, masked, by the secret check alone and the full one."""
    (tmp_path / "pyproject.toml").write_text("")
    folder = tmp_path / "tests" / "cassettes"
    folder.mkdir(parents=True)
    key = plant.KINDS["openai-key"]
    text = (
        "interactions:\n- request:\n    body: null\n    headers:\n"
        f"      Authorization:\n      - Bearer {key}\n    method: POST\n"
        "  response: {status: {code: 200\n"
    )
    (folder / "test_cut_short.yaml").write_text(text)
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "cassettes").symlink_to(folder, target_is_directory=True)
    env = {"COLUMNS": "80"}

    alone = recctl("check", "--select", "secret", "mirror/cassettes", cwd=tmp_path, env=env)
    assert alone.returncode == 1, alone.stderr
    assert "[secret]" in alone.stdout and key not in alone.stdout + alone.stderr

    full = recctl("check", "-f", "json", "mirror/cassettes", cwd=tmp_path, env=env)
    checks = sorted(json.loads(line)["check"] for line in full.stdout.splitlines())
    assert full.returncode == 1 and checks == ["schema", "secret"], full.stdout
    assert key not in full.stdout


def test_a_long_answer_in_a_large_run_holds_the_keys_a_small_run_finds(tmp_path: Path) -> None:
    """A run large enough to fork searches a long text from where the rules' prefixes occur
    (one hyperscan pass); a run of one file searches it whole (``re``). The two agree on a
    70 KB answer, in a recording and in a cassette, whose filler holds every prefix by
    chance before its keys: an Anthropic key (where the OpenAI rule's sk- matches too), an
    AWS key id and a Databricks token. Run from another folder, through a symlinked folder;
    the text report, through a pipe at 80 columns, shows none of them."""
    top = tmp_path / "project"
    folder = top / "recordings"
    folder.mkdir(parents=True)
    (top / "pyproject.toml").write_text("")
    for number in range(PARALLEL_THRESHOLD):
        data = plant.base()
        data["test_id"] = f"tests/test_long.py::test_filler_{number}"
        name, text = recorder.record(data, "4")
        (folder / name).write_text(text)
    decoys = " ".join(literal.decode() for literal in secret_rules.PREFIX_LITERALS)
    keys = [plant.KINDS[kind] for kind in ("anthropic-key", "aws-access-key-id")]
    keys.append(plant.KINDS["databricks-token"])
    filler = f"{decoys} {'QUJD' * 17_000} {decoys}"
    assert len(filler) > 64 * 1024
    answer = f" {filler} {' '.join(keys)} ok"
    data = plant.base()
    data["test_id"] = "tests/test_long.py::test_long_answer"
    data["request"]["body"]["messages"][0]["content"] += answer
    name, text = recorder.record(data, "4")
    (folder / name).write_text(text)
    body = cassette_kit.chat_body(answer)
    cassette = cassette_kit.write(
        folder / "cassettes" / "test_long_answer.yaml",
        [cassette_kit.interaction("https://api.openai.com/v1/chat/completions", "{}", body)],
    )
    (tmp_path / "link").symlink_to(top, target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    expected = ["anthropic-key", "aws-access-key-id", "databricks-token"]

    large = _secret_findings("--select", "secret", "../link/recordings", cwd=elsewhere)
    for path in (folder / name, cassette):
        shown = f"../link/recordings/{path.relative_to(folder)}"
        small = _secret_findings("--select", "secret", shown, cwd=elsewhere)
        assert [record for record in large if record["path"] == shown] == small
        kinds = sorted(record["message"].split(" ", 1)[0] for record in small)
        assert kinds == expected, small
    assert all(key not in json.dumps(large) for key in keys)

    argv = ("check", "--no-cache", "--select", "secret", "../link/recordings")
    report = recctl(*argv, cwd=elsewhere, env={"COLUMNS": "80"})
    assert report.returncode == 1, report.stderr
    assert report.stdout.count("[secret]") == 2 * len(expected), report.stdout
    assert not any(key in report.stdout + report.stderr for key in keys)
