"""Keys of one kind at one place are one finding with a count, in every format and command:
a file of thousands of key-shaped tokens costs per place, not per key."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from recctl import secrets
from tests import cassette_kit, plant, recorder
from tests.conftest import recctl

COUNT = 5_000


def _tokens(count: int) -> list[str]:
    return [f"AKIA{index:016d}" for index in range(count)]


def _project(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A project whose one recording answers with ``COUNT`` access key ids in one message,
    and whose header holds one more key: two places, two findings."""
    top = tmp_path / "project"
    (top / "recordings").mkdir(parents=True)
    (top / "pyproject.toml").write_text("")
    data = plant.base()
    tokens = _tokens(COUNT)
    data["request"]["headers"]["X-Api-Key"] = plant.KINDS["openai-key"]
    for chunk in data["response"]["body"]:
        for choice in chunk["__data__"]["choices"]:
            if choice["delta"].get("content"):
                choice["delta"]["content"] = " ".join(tokens)
                break
        else:
            continue
        break
    name, text = recorder.record(data, "4")
    path = top / "recordings" / name
    path.write_text(text)
    return top, path, tokens


def test_one_finding_per_kind_and_place_in_every_format(tmp_path: Path) -> None:
    _, path, tokens = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = str(path.relative_to(tmp_path).parent)

    text = recctl("check", "--select", "secret", "--no-cache", f"../{target}", cwd=elsewhere)
    assert text.returncode == 1, text.stderr
    lines = [line for line in text.stdout.splitlines() if "[secret]" in line]
    assert len(lines) == 2, text.stdout
    [many] = [line for line in lines if "aws-access-key-id" in line]
    assert f"{COUNT} of them here" in many and "rotate them" in many

    as_json = recctl("check", "-f", "json", "--select", "secret", f"../{target}", cwd=elsewhere)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert sorted(record["count"] for record in records) == [1, COUNT]

    sarif = recctl("check", "-f", "sarif", "--select", "secret", f"../{target}", cwd=elsewhere)
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    assert sorted(result["properties"]["count"] for result in results) == [1, COUNT]

    for output in (text.stdout, as_json.stdout, sarif.stdout):
        assert not any(token in output for token in tokens[:50] + tokens[-50:])

    dry = recctl("redact", f"../{target}", cwd=elsewhere)
    assert dry.returncode == 1, dry.stderr
    assert dry.stdout.count("would redact") == 2, dry.stdout
    assert f"{COUNT} of them here" in dry.stdout

    written = recctl("redact", "--write", f"../{target}", cwd=elsewhere)
    assert written.returncode == 0, written.stdout + written.stderr
    after = path.read_text()
    assert not any(token in after for token in tokens)
    assert after.count("<redacted:aws-access-key-id>") == COUNT
    again = recctl("check", "--select", "secret", "--no-cache", f"../{target}", cwd=elsewhere)
    assert again.returncode == 0, again.stdout


def test_a_gathered_finding_is_new_when_any_of_its_keys_changes(tmp_path: Path) -> None:
    """The baseline accepts the place's keys as they are; one key more is a new finding."""
    top, path, tokens = _project(tmp_path)
    written = recctl("check", "--write-baseline", cwd=top)
    assert written.returncode == 0, written.stdout + written.stderr
    assert recctl("check", "--no-cache", cwd=top).returncode == 0
    path.write_text(path.read_text().replace(tokens[7], "AKIA9999999999999999"))
    changed = recctl("check", "--no-cache", cwd=top)
    assert changed.returncode == 1, changed.stdout
    assert "aws-access-key-id" in changed.stdout


def test_the_library_scan_still_names_every_key(tmp_path: Path) -> None:
    _, path, tokens = _project(tmp_path)
    raw = path.read_bytes()
    keys = secrets.scan(raw, json.loads(raw))
    assert {key.value for key in keys} >= set(tokens)
    [place] = [s for s in secrets.scan_places(raw, json.loads(raw)) if s.others]
    assert place.values == tuple(tokens)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="AXxBbTt_-1 \n.*{}$<>:redacfilNnoPpsk", max_size=16))
def test_the_quick_placeholder_test_agrees_with_the_rule(value: str) -> None:
    assert secrets.is_placeholder(value) == (secrets.PLACEHOLDER.match(value) is not None)


def test_a_cassette_s_keys_at_one_place_are_one_finding_through_a_symlink(tmp_path: Path) -> None:
    """The same for a VCR.py cassette, named through a symlinked folder, output to a pipe
    on an 80-column terminal: one finding for the body's keys, one for the header's."""
    real = tmp_path / "real"
    (real / "tests" / "cassettes" / "test_chat").mkdir(parents=True)
    (real / "pyproject.toml").write_text("")
    tokens = _tokens(COUNT)
    answer = cassette_kit.chat_body(" ".join(tokens))
    cassette = cassette_kit.write(
        real / "tests" / "cassettes" / "test_chat" / "test_many.yaml",
        [
            cassette_kit.interaction(
                "https://api.openai.com/v1/chat/completions",
                '{"model": "gpt-4o-mini", "messages": []}',
                answer,
                request_headers={"x-api-key": [plant.KINDS["openai-key"]]},
            )
        ],
    )
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    named = "../link/tests/cassettes"
    env = {"COLUMNS": "80"}

    text = recctl("check", "--select", "secret", "--no-cache", named, cwd=elsewhere, env=env)
    assert text.returncode == 1, text.stderr
    lines = [line for line in text.stdout.splitlines() if "[secret]" in line]
    assert len(lines) == 2, text.stdout
    assert sum(f"{COUNT} of them here" in line for line in lines) == 1
    records = [
        json.loads(line)
        for line in recctl(
            "check", "-f", "json", "--select", "secret", named, cwd=elsewhere
        ).stdout.splitlines()
    ]
    assert sorted(record["count"] for record in records) == [1, COUNT]
    assert not any(token in text.stdout for token in tokens[:50] + tokens[-50:])

    written = recctl("redact", "--write", named, cwd=elsewhere, env=env)
    assert written.returncode == 0, written.stdout + written.stderr
    after = cassette.read_text()
    assert not any(token in after for token in tokens)
    again = recctl("check", "--select", "secret", "--no-cache", named, cwd=elsewhere)
    assert again.returncode == 0, again.stdout


_RUN_VALUES = st.sampled_from(["AKIA1", "AKIA2", "sk-a", "xxx-placeholder", "<redacted:k>", "k3"])


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["aws-access-key-id", "openai-key"]),
            st.sampled_from(["/response/a", "/response/b", "/request/body/c"]),
            st.lists(_RUN_VALUES, min_size=1, max_size=5),
            st.booleans(),
        ),
        max_size=8,
    ),
    st.sampled_from([None, "", "salt"]),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_a_run_of_keys_is_gathered_as_the_keys_one_by_one(
    runs: list[tuple[str, str, list[str], bool]], salt: str | None, allow_first: bool
) -> None:
    """``add_run`` (a run of keys at one place) leaves what ``add`` of each key leaves:
    placeholders dropped, each key once per kind of place, allowlisted keys left out."""
    allowlist = (
        frozenset({secrets.fingerprint("AKIA1", salt)})
        if salt is not None and allow_first
        else frozenset()
    )
    by_run = secrets.Gathered(salt, allowlist)
    one_by_one = secrets.Gathered(salt, allowlist)
    for kind, pointer, values, hashed in runs:
        where = secrets._where(pointer)
        by_run.add_run(kind, where, pointer, values, 7, hashed)
        for value in values:
            one_by_one.add(kind, where, pointer, value, 7, hashed)
    assert by_run.secrets() == one_by_one.secrets()


def test_a_cassette_s_keys_keep_their_lines_past_non_ascii_text(tmp_path: Path) -> None:
    """Keys in a cassette's text after non-ASCII characters, and in a literal block body,
    are placed and numbered by one pass over the text, each at the line it stands on:
    through a symlinked folder, from another folder, to a pipe at 80 columns."""
    real = tmp_path / "real"
    folder = real / "tests" / "cassettes" / "test_chat"
    folder.mkdir(parents=True)
    (real / "pyproject.toml").write_text("")
    openai, aws = plant.KINDS["openai-key"], plant.KINDS["aws-access-key-id"]
    many = " ".join(_tokens(300))
    (folder / "test_lines.yaml").write_text(
        "interactions:\n"
        "- request:\n"
        "    body: null\n"
        "    headers:\n"
        "      X-Note:\n"
        f"      - {'é' * 200}\n"
        "      X-Trace:\n"
        f"      - trace {openai}\n"
        "    method: GET\n"
        "    uri: https://api.example.com/v1/é\n"
        "  response:\n"
        "    body:\n"
        "      string: |\n"
        "        first line, é\n"
        f"        the key {aws}\n"
        f"        {many}\n"
        "    headers: {}\n"
        "    status:\n"
        "      code: 200\n"
        "      message: OK\n"
        "version: 1\n",
        encoding="utf-8",
    )
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    named = "../link/tests/cassettes"
    result = recctl(
        "check",
        "-f",
        "json",
        "--select",
        "secret",
        "--no-cache",
        named,
        cwd=elsewhere,
        env={"COLUMNS": "80"},
    )
    assert result.returncode == 1, result.stderr
    records = {
        (record["pointer"], record["line"], record["count"])
        for record in map(json.loads, result.stdout.splitlines())
    }
    assert records == {
        ("/interactions/0/request/headers/X-Trace/0", 8, 1),
        ("/interactions/0/response/body/string", 15, 301),
    }, result.stdout


@given(
    st.text(max_size=60).map(str.encode) | st.binary(max_size=120),
    st.lists(st.integers(min_value=0, max_value=200), max_size=12),
)
@settings(max_examples=300)
def test_a_cassette_s_character_offsets_are_those_of_its_decoded_text(
    raw: bytes, cuts: list[int]
) -> None:
    """Byte offsets at ASCII bytes (where keys start) map to their characters' offsets in
    the decoded text, invalid bytes dropped, as decoding each prefix says."""
    from recctl.recorders import vcr_secrets

    offsets = sorted({cut for cut in cuts if cut < len(raw) and raw[cut] < 0x80})
    assert vcr_secrets._char_offsets(raw, offsets) == {
        offset: len(raw[:offset].decode("utf-8", "ignore")) for offset in offsets
    }


def test_a_key_in_a_literal_block_body_is_on_its_own_line() -> None:
    """A decoded body written as a literal block: each key at the line it stands on, the
    block starting on the line after its key."""
    from recctl.recorders import vcr_secrets

    aws = plant.KINDS["aws-access-key-id"]
    body = f"first\nsecond {aws}\n\nfourth {aws[:-1]}X\n".encode()
    hits = list(vcr_secrets._in_body(body, "/b", 10, block=True))
    assert [(hit.value, hit.line) for hit in hits] == [(aws, 12), (aws[:-1] + "X", 14)]
    flat = list(vcr_secrets._in_body(body, "/b", 10, block=False))
    assert [hit.line for hit in flat] == [10, 10]


def test_the_scans_leave_no_reference_cycle_for_workers_without_the_collector() -> None:
    """Workers run with the cyclic collector off: a helper that makes a cycle (a nested
    function calling itself holds its enclosing scope) leaks on every file."""
    import gc

    from recctl import masking, secrets
    from tests import plant

    data = plant.base()
    chunks = [chunk for chunk in data["response"]["body"] if chunk["__data__"]["choices"]]
    chunks[0]["__data__"]["choices"][0]["delta"]["content"] = "xs"  # a prefix cut: s | k-
    chunks[1]["__data__"]["choices"][0]["delta"]["content"] = "k-"
    chunks[2]["__data__"]["choices"][0]["delta"]["content"] = "proj rest"
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        assert secrets._may_hold_split_key(data["response"]["body"])
        assert masking._trie_pattern(["sk-abc", "sk-abd", "xoxb-1"])
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
