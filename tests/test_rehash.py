"""``recctl rehash`` and ``recctl hash``: hashes exact by construction, safe repairs."""

from __future__ import annotations

import collections
import hashlib
import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recctl.hashing import SCHEMES, canonical_json
from recctl.hashing.canonical import Memo, may_be_lossy
from recctl.hashing.names import models_digest, parse_name
from recctl.verdicts import compute_hashes
from tests import recorder
from tests.conftest import DATA, invoke

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from(
        [
            "0.123456789",
            "score: 0.8123",
            "x 12.34567 y",
            "1e-07",
            "<|begin_of_text|>",
            "[<|0123abcd-0000-4000-8000-00000000abcd|>] attributes: {a: 1}",
            "see <|0123abcd-0000-4000-8000-00000000abcd|>",
            "iVBORw0Ke+9AAe+",
            # Digits beyond ASCII are digits to the recorder's \d, and escapes in JSON.
            "pi is 3.\u0661\u0664\u0661\u0665\u0669\u0662",
            "\u0663.1\u066234",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


@given(json_values, json_values)
@settings(max_examples=300, deadline=None)
def test_canonical_json_is_json_dumps_sort_keys(body: Any, other: Any) -> None:
    value = {"body": body, "endpoint": "/v1/x", "method": "POST", "test_id": other, "é": 2**70}
    assert canonical_json(value, Memo()) == json.dumps(value, sort_keys=True)


@pytest.mark.parametrize(
    ("value", "lossy"),
    [
        ({"n": 2**64}, True),
        ({"n": [-(2**70)]}, True),
        ({"n": 2**63 - 1}, False),
        ({"image": "data:image/png;base64,Ae+b9e+1"}, False),
    ],
)
def test_only_floats_of_lost_integers_send_a_hash_to_the_exact_parse(
    value: Any, lossy: bool
) -> None:
    fast = orjson.loads(json.dumps(value))
    assert may_be_lossy(json.dumps(fast, sort_keys=True)) is lossy


def _recording(body: Any, test_id: str | None, url: str) -> dict[str, Any]:
    return {
        "test_id": test_id,
        "request": {
            "method": "post",
            "url": url,
            "headers": {},
            "body": body,
            "endpoint": "/v1/chat/completions",
            "model": "m",
        },
        "response": {
            "body": {
                "__type__": "openai.types.chat.chat_completion.ChatCompletion",
                "__data__": {"id": "x", "choices": [], "created": 0, "model": "m", "object": "c"},
            },
            "is_streaming": False,
        },
        "id_normalization_mapping": {},
    }


bodies = st.dictionaries(st.text(max_size=6), json_values, max_size=5).map(
    lambda body: {**body, "extra_body": {"project_id": "p", "k": 1.234567}, "stream_options": {}}
)
urls = st.sampled_from(
    [
        "https://api.openai.com/v1/chat/completions",
        "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1/chat/completions",
        "http://localhost:11434/v1/models",
    ]
)


@given(
    bodies,
    st.sampled_from([None, "tests/t.py::test_x[a]"]),
    urls,
    st.sampled_from(recorder.SCHEMES),
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_faithful_recorders_file_is_ok_under_its_scheme(
    tmp_path_factory: pytest.TempPathFactory, body: Any, test_id: str | None, url: str, scheme: str
) -> None:
    directory = tmp_path_factory.mktemp("recordings") / "recordings"
    directory.mkdir()
    name, content = recorder.record(_recording(body, test_id, url), scheme)
    (directory / name).write_text(content)
    result = invoke(["rehash", "--format", "json", "--scheme", scheme, str(directory)])
    [verdict] = [json.loads(line) for line in result.stdout.splitlines()]
    assert verdict["status"] == "ok", verdict
    assert result.exit_code == 0


@given(
    st.dictionaries(st.text(max_size=6), json_values, max_size=5), st.sampled_from(recorder.SCHEMES)
)
@settings(max_examples=300, deadline=None)
def test_every_scheme_hashes_as_the_plain_recipe(body: Any, scheme: str) -> None:
    # Unlike ``bodies``, these often hold nothing to round: the quick scans decide alone.
    data = _recording(body, "tests/t.py::test_x", "https://api.openai.com/v1/chat/completions")
    expected = recorder.request_hash(data, scheme)
    assert compute_hashes(data, [SCHEMES[scheme]]).hashes[scheme] == expected


@given(bodies, urls, st.randoms())
@settings(max_examples=100, deadline=None)
def test_key_order_never_changes_a_hash(body: Any, url: str, rng: random.Random) -> None:
    recording = _recording(body, "tests/t.py::test_x", url)
    for scheme in SCHEMES.values():
        expected = scheme.canonical(recording)
        again = scheme.canonical(shuffled(recording, rng))
        assert canonical_json(expected) == canonical_json(again)


def _project_with(project: Path, files: dict[str, str]) -> Path:
    directory = project / "recordings"
    directory.mkdir(exist_ok=True)
    for name, content in files.items():
        (directory / name).write_text(content)
    return directory


def _base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    # A decimal that scheme 3 rounds, and file-search text that scheme 4 normalizes: the
    # schemes 2, 3 and 4 all name this request differently.
    data["request"]["body"]["temperature"] = 0.1234567
    data["request"]["body"]["messages"].append({"role": "tool", "content": "doc score: 0.8123"})
    return data


def _verdicts(*args: str) -> dict[str, dict[str, Any]]:
    result = invoke(["rehash", "--format", "json", *args])
    return {Path(v["path"]).name: v for v in map(json.loads, result.stdout.splitlines())}


def test_statuses_of_hand_made_recordings(project: Path) -> None:
    data = _base()
    ok_name, ok = recorder.record(data, "4")
    other = _base()
    other["request"]["body"]["messages"][0]["content"] = "Which planet is red?"
    old_name, old = recorder.record(other, "2")
    new_name, _ = recorder.record(other, "4")
    edited = json.loads(ok)
    edited["request"]["body"]["temperature"] = 0.9
    processor = {
        "test_id": "t",
        "request": {"test_id": "t", "provider": "pypdf", "api": "file_processors", "file_id": "f"},
        "response": {"body": None, "is_streaming": False},
    }
    edited_name = "e" * 64 + ".json"
    _project_with(
        project,
        {
            ok_name: ok,
            old_name: old,
            edited_name: json.dumps(edited, indent=2) + "\n",
            "f" * 64 + ".json": json.dumps(processor),
            "d" * 64 + ".json": ok,
            "notes.json": ok,
        },
    )
    verdicts = _verdicts()
    assert verdicts[ok_name]["status"] == "ok"
    assert verdicts[old_name] | {"path": None} == {
        "path": None,
        "status": "outdated",
        "scheme": "2",
        "expected": new_name,
        "actual": old_name,
        "detail": "decimals rounded to 5 places (scheme 3); file-search scores, attributes and "
        "document ids normalized (scheme 4)",
        "repair": "rename",
        "action": "would rename",
        "new_path": f"recordings/{new_name}",
        "action_detail": "",
        "verdict": "outdated",
    }
    assert verdicts[edited_name]["status"] == "mismatch"
    assert verdicts[edited_name]["detail"].startswith("no scheme gives this name")
    renamed = verdicts["d" * 64 + ".json"]
    assert renamed["status"] == "mismatch"
    assert f"response ids (rec-{ok_name[:12]}) were made under scheme 4" in renamed["detail"]
    assert verdicts["f" * 64 + ".json"]["status"] == "unhashable"
    assert verdicts["notes.json"]["detail"] == "the file name is not a request hash"
    result = invoke(["rehash"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:5] == [
        "6 recordings, target scheme 4:",
        "  ok              1",
        "  outdated        1",
        "  mismatch        3",
        "  unhashable      1",
    ]
    assert invoke(["rehash", "--exit-zero"]).exit_code == 0
    assert invoke(["rehash", f"recordings/{ok_name}"]).exit_code == 0


def test_write_renames_rewrites_ids_and_a_second_write_finds_nothing(project: Path) -> None:
    data = _base()
    new_name, expected_content = recorder.record(data, "4")
    old_name, old = recorder.record(data, "3")
    directory = _project_with(project, {old_name: old})
    dry = invoke(["rehash"])
    assert f"would rename: recordings/{old_name} -> {new_name}" in dry.stdout
    assert (directory / old_name).exists()
    written = invoke(["rehash", "--write"])
    assert written.exit_code == 0, written.stdout
    assert "1 renamed" in written.stdout
    assert sorted(p.name for p in directory.iterdir()) == [new_name]
    assert (directory / new_name).read_text() == expected_content
    again = invoke(["rehash", "--write"])
    assert again.exit_code == 0
    assert "nothing to rename" in again.stdout
    assert invoke(["validate"]).exit_code == 0


def test_write_never_overwrites(project: Path) -> None:
    data = _base()
    new_name, _ = recorder.record(data, "4")
    old_name, old = recorder.record(data, "3")
    other = _base()
    other["request"]["body"]["messages"][0]["content"] = "Something else"
    directory = _project_with(project, {old_name: old, new_name: json.dumps(other, indent=2)})
    result = invoke(["rehash", "--write", "--format", "json"])
    assert result.exit_code == 1
    verdict = _by_name(result.stdout)[old_name]
    assert verdict["action"] == "conflict"
    assert json.loads((directory / new_name).read_text()) == other
    # The same request already under the new name: a duplicate, and both files stay.
    (directory / new_name).write_text(recorder.record(data, "4")[1].replace("Saturn", "Saturn!"))
    verdict = _by_name(invoke(["rehash", "--write", "--format", "json"]).stdout)[old_name]
    assert verdict["action"] == "duplicate"
    assert (directory / old_name).exists()


def _by_name(stdout: str) -> dict[str, dict[str, Any]]:
    return {Path(v["path"]).name: v for v in map(json.loads, stdout.splitlines())}


def test_two_old_files_of_one_request_do_not_both_take_the_name(project: Path) -> None:
    data = _base()
    name2, old2 = recorder.record(data, "2")
    name3, old3 = recorder.record(data, "3")
    _project_with(project, {name2: old2, name3: old3})
    verdicts = _by_name(invoke(["rehash", "--format", "json"]).stdout)
    assert sorted(v["action"] for v in verdicts.values()) == ["duplicate", "would rename"]


def test_an_interrupted_rename_is_completed(project: Path) -> None:
    data = _base()
    new_name, new = recorder.record(data, "4")
    old_name, old = recorder.record(data, "3")
    directory = _project_with(project, {old_name: old, new_name: new})
    result = invoke(["rehash", "--write"])
    assert "completed" in result.stdout
    assert sorted(p.name for p in directory.iterdir()) == [new_name]


@pytest.mark.parametrize("value", [float("nan"), 0.5])
def test_a_target_that_holds_the_renamed_file_byte_for_byte_completes_it(
    project: Path, value: float
) -> None:
    """A dry run judges the file at the new name by its bytes: the renamed file's own bytes
    (even with a NaN, which equals nothing once parsed) complete the rename; the same data
    written otherwise are another file of the same request, a duplicate."""
    data = _base()
    data["response"]["body"][0]["__data__"]["score"] = value
    new_name, new = recorder.record(data, "4")
    old_name, old = recorder.record(data, "3")
    directory = _project_with(project, {old_name: old, new_name: new})
    assert _by_name(invoke(["rehash", "--format", "json"]).stdout)[old_name]["action"] == (
        "would complete"
    )
    (directory / new_name).write_text(json.dumps(json.loads(new), indent=4) + "\n")
    assert _by_name(invoke(["rehash", "--format", "json"]).stdout)[old_name]["action"] == (
        "duplicate"
    )


def test_include_mismatch_renames_after_the_stored_request(project: Path) -> None:
    data = _base()
    new_name, _ = recorder.record(data, "4")
    directory = _project_with(project, {"0" * 64 + ".json": json.dumps(data, indent=2) + "\n"})
    assert invoke(["rehash", "--write"]).exit_code == 1
    assert (directory / ("0" * 64 + ".json")).exists()
    result = invoke(["rehash", "--write", "--include-mismatch"])
    assert "the test may no longer send it" in result.stdout
    assert [p.name for p in directory.iterdir()] == [new_name]
    assert invoke(["rehash", "--include-mismatch"]).exit_code == 2


def test_legacy_files_need_a_new_recording_and_are_left_alone(project: Path) -> None:
    data = _base()
    del data["test_id"]
    name, content = recorder.record(data, "1")
    directory = project / "recordings" / "responses"
    directory.mkdir(parents=True)
    (directory / name).write_text(content)
    verdict = _verdicts()[name]
    assert (verdict["status"], verdict["scheme"], verdict["repair"]) == (
        "outdated",
        "1",
        "re-record",
    )
    assert "needs a new recording" in verdict["detail"]
    invoke(["rehash", "--write"])
    assert [p.name for p in directory.iterdir()] == [name]
    assert _verdicts("--scheme", "1")[name]["status"] == "ok"


def test_model_list_digest_is_checked(project: Path) -> None:
    listing = recorder.model_listing(["b", "a", "b"])
    models = listing["response"]["body"]
    digest = models_digest(models)
    assert digest == hashlib.sha256(b"a|b").hexdigest()[:8]
    hash_hex = recorder.request_hash(listing, "4")
    good = f"models-{hash_hex}-{digest}.json"
    bad = f"models-{hash_hex}-00000000.json"
    _project_with(project, {good: json.dumps(listing)})
    (project / "other" / "recordings").mkdir(parents=True)
    (project / "other" / "recordings" / bad).write_text(json.dumps(listing))
    verdicts = _verdicts(".")
    assert verdicts[good]["status"] == "ok"
    assert verdicts[bad]["status"] == "mismatch"
    assert "model digest is 00000000" in verdicts[bad]["detail"]
    assert parse_name(good).models


def test_hash_command_reads_files_and_bare_requests(project: Path) -> None:
    data = _base()
    name, content = recorder.record(data, "4")
    (project / "r.json").write_text(content)
    assert invoke(["hash", "r.json"]).stdout.strip() == name[:-5]
    assert invoke(["hash", "r.json", "--scheme", "1"]).stdout.strip() == recorder.request_hash(
        data, "1"
    )
    bare = json.dumps(data["request"])
    by_stdin = invoke(["hash", "--test-id", data["test_id"]], input=bare)
    assert by_stdin.stdout.strip() == name[:-5]
    other_test = invoke(["hash", "--test-id", "tests/other.py::test"], input=bare)
    assert other_test.stdout.strip() != name[:-5]
    explained = invoke(["hash", "--explain", "r.json"]).stdout.splitlines()
    assert json.loads(explained[0])["test_id"] == data["test_id"]
    assert '"temperature": 0.12346' in explained[0]
    assert invoke(["hash", "missing.json"]).exit_code == 2
    assert invoke(["hash", "--scheme", "9", "r.json"]).exit_code == 2
    assert invoke(["hash"], input="[1]").exit_code == 1  # no recording: a finding
    not_one = invoke(["hash", "-"], input='{"foo": 1}')
    assert not_one.exit_code == 1
    assert "not a recording or a request" in not_one.stderr
    # A bare request without a test id: which test it is must be said.
    request = json.dumps(data["request"])
    unsaid = invoke(["hash", "-"], input=request)
    assert unsaid.exit_code == 2
    assert "--test-id ID, or --no-test-id" in unsaid.stderr
    assert invoke(["hash", "--no-test-id", "-"], input=request).exit_code == 0


def test_rehash_explain_shows_the_nearest_canonical_forms(project: Path) -> None:
    data = _base()
    name, content = recorder.record(data, "2")
    _project_with(project, {name: content})
    result = invoke(["rehash", "--explain", f"recordings/{name}"])
    assert result.exit_code == 0
    assert f"recordings/{name}: outdated (scheme 2), target scheme 4" in result.stdout
    assert "schemes 1: " in result.stdout
    assert "schemes 2: " in result.stdout
    assert "schemes 3, 4a, 4b: " in result.stdout
    assert "schemes 4 (target): " in result.stdout
    # What each form changes, not four whole documents.
    assert "/body/temperature: 0.1234567 (target: 0.12346)" in result.stdout
    assert "/test_id: absent (target: " in result.stdout
    assert len(result.stdout.splitlines()) < 30
    full = invoke(["rehash", "--explain", f"recordings/{name}", "--full"]).stdout
    assert '"temperature": 0.1234567' in full
    assert '"temperature": 0.12346' in full
    assert invoke(["rehash", "--full"]).exit_code == 2


def test_configured_scheme_and_unknown_scheme(project: Path) -> None:
    data = _base()
    name, content = recorder.record(data, "2")
    _project_with(project, {name: content})
    (project / "pyproject.toml").write_text('[tool.recctl]\nhash-scheme = "2"\n')
    assert invoke(["rehash"]).exit_code == 0
    result = invoke(["rehash", "--scheme", "5"])
    assert result.exit_code == 2
    assert "unknown hash scheme '5' (known: 1, 2, 3, 4a, 4b, 4)" in result.stderr


def test_github_format_annotates_problems_only(project: Path) -> None:
    data = _base()
    ok_name, ok = recorder.record(data, "4")
    old_name, old = recorder.record(data, "2")
    (project / "recordings").mkdir()
    (project / "recordings" / ok_name).write_text(ok)
    (project / "other" / "recordings").mkdir(parents=True)
    (project / "other" / "recordings" / old_name).write_text(old)
    lines = invoke(["rehash", "-f", "github", "."]).stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"::warning file=other/recordings/{old_name},title=recctl hash")


# --- the shared corpus ----------------------------------------------------------------------

CORPUS_COUNTS = {
    ("llama-stack-1394403", "ok", "4", None): 681,
    ("llama-stack-1394403", "outdated", "1", "re-record"): 281,
    ("llama-stack-1394403", "outdated", "2", "rename"): 29,
    ("llama-stack-1394403", "outdated", "4b", "rename"): 20,
    ("llama-stack-1394403", "mismatch", None, None): 55,
    ("llama-stack-d1b6632-sample", "ok", "4", None): 43,
    ("llama-stack-d1b6632-sample", "outdated", "4b", "rename"): 3,
    ("llama-stack-d1b6632-sample", "unhashable", None, None): 2,
}


def test_every_corpus_file_gets_a_status(corpus: Path) -> None:
    result = invoke(["rehash", "--format", "json", str(corpus)])
    assert result.exit_code == 1
    counts: collections.Counter[tuple[str, str, str | None, str | None]] = collections.Counter()
    for verdict in map(json.loads, result.stdout.splitlines()):
        folder = (
            Path(verdict["path"]).relative_to(corpus.resolve()).parts[0]
            if Path(verdict["path"]).is_absolute()
            else verdict["path"].split("corpus/")[1].split("/")[0]
        )
        counts[(folder, verdict["status"], verdict["scheme"], verdict["repair"])] += 1
    assert dict(counts) == CORPUS_COUNTS


def test_outdated_corpus_files_after_write_are_ok_and_valid(corpus: Path, project: Path) -> None:
    source = corpus / "llama-stack-1394403"
    verdicts = map(json.loads, invoke(["rehash", "-f", "json", str(source)]).stdout.splitlines())
    renamable = [v for v in verdicts if v["status"] == "outdated" and v["repair"] == "rename"]
    target = project / "copy" / "recordings"
    target.mkdir(parents=True)
    seen: set[str] = set()
    for verdict in renamable:
        if verdict["expected"] in seen:
            continue  # one file per request: two would be a duplicate, reported as such
        seen.add(verdict["expected"])
        shutil.copyfile(Path(verdict["path"]), target / verdict["actual"])  # writable
    untouched = project / "copy" / "recordings" / "untouched.json"
    shutil.copy(DATA / "recordings" / "chat-body.json", untouched)
    before = untouched.read_bytes()
    written = invoke(["rehash", "--write", "--format", "json", "copy/recordings"])
    actions = collections.Counter(
        json.loads(line).get("action") for line in written.stdout.splitlines()
    )
    assert actions["renamed"] == len(seen)
    after = _by_name(invoke(["rehash", "--format", "json", "copy/recordings"]).stdout)
    assert {v["status"] for name, v in after.items() if name != "untouched.json"} == {"ok"}
    for name in after:
        if name != "untouched.json":
            text = (target / name).read_text()
            ids = set(re.findall(r'"rec-([0-9a-f]{12})"', text))
            assert ids <= {name[:12]}, name
    assert untouched.read_bytes() == before
    assert invoke(["validate", "copy/recordings"]).exit_code == 0


def test_hash_never_waits_on_a_terminal(project: Path) -> None:
    import os
    import subprocess
    import sys

    controller, terminal = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "recctl", "hash"],
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        os.close(controller)
        os.close(terminal)
    assert done.returncode == 2
    assert "no input: name a recording, or pipe a request in" in done.stderr


def test_a_dry_run_whose_target_goes_while_it_reads_writes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new name was taken when the dry run looked and is gone once the file is read (a
    concurrent rename, a checkout): the dry run says it would rename, and creates nothing."""
    from recctl import renames, store
    from recctl.verdicts import classify_file

    data = _base()
    new_name, new = recorder.record(data, "4")
    old_name, old = recorder.record(data, "3")
    directory = _project_with(project, {old_name: old, new_name: new})
    verdict = classify_file(directory / old_name, old_name, SCHEMES["4"], 1 << 20)
    assert verdict.status == "outdated"
    load = store.load

    def load_then_target_goes(path: Any, *args: Any, **kwargs: Any) -> store.Recording:
        loaded = load(path, *args, **kwargs)
        (directory / new_name).unlink(missing_ok=True)
        return loaded

    monkeypatch.setattr(store, "load", load_then_target_goes)
    rename = renames.repair_file(directory / old_name, verdict, SCHEMES["4"], project, False)
    assert rename.action == "would rename"
    assert sorted(p.name for p in directory.iterdir()) == [old_name]
