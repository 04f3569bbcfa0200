"""Nothing lost, nothing trusted that a pull request wrote: every writer and every file recctl
reads from a checkout, attacked as a pull request or a careless user would.

Each test drives recctl as a subprocess, standing outside the project, as a user of a
checkout does (``cd ~ && recctl prune work/project/...``).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import recorder
from tests.conftest import CHAT_TEST_FILE, chat, git, recctl, unnormalize

TEST_FILE = CHAT_TEST_FILE


def no_traceback(completed: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in completed.stderr, completed.stderr


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A project with two live tests' recordings, the caller standing in ``tmp_path``."""
    root = tmp_path / "work" / "project"
    (root / TEST_FILE).parent.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (root / TEST_FILE).write_text("def test_a():\n    pass\n\n\ndef test_b():\n    pass\n")
    recordings = root / "tests/integration/chat/recordings"
    recorder.write(recordings, chat("test_a", "first"))
    recorder.write(recordings, chat("test_b", "second"))
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*.json"))
        if not path.is_symlink()
    }


# --- one identity per file --------------------------------------------------------------------


def test_prune_of_a_folder_named_twice_through_a_symlink_deletes_nothing(
    checkout: Path, tmp_path: Path
) -> None:
    area = checkout / "tests/integration"
    (area / "again").symlink_to(area / "chat", target_is_directory=True)
    before = _files(checkout)
    x, y = "work/project/tests/integration/chat", "work/project/tests/integration/again"
    dry = recctl("prune", "-f", "json", f"{x}/recordings", f"{y}/recordings", cwd=tmp_path)
    no_traceback(dry)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "duplicate" not in dry.stdout
    deleted = recctl(
        "prune", "--delete", "--yes", f"{x}/recordings", f"{y}/recordings", cwd=tmp_path
    )
    assert deleted.returncode == 0, deleted.stderr
    assert _files(checkout) == before


def test_prune_of_a_checkout_named_directly_and_through_a_symlink_deletes_nothing(
    checkout: Path, tmp_path: Path
) -> None:
    (tmp_path / "link").symlink_to(checkout, target_is_directory=True)
    before = _files(checkout)
    for extra in ([], ["--delete", "--yes"]):
        run = recctl("prune", *extra, "work/project/tests", "link/tests", cwd=tmp_path)
        no_traceback(run)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "duplicate" not in run.stdout
    assert _files(checkout) == before


def test_a_real_duplicate_is_still_found_beside_a_symlinked_folder(
    checkout: Path, tmp_path: Path
) -> None:
    area = checkout / "tests/integration"
    copy = area / "copy" / "recordings"
    copy.mkdir(parents=True)
    original = next((area / "chat/recordings").glob("*.json"))
    shutil.copy(original, copy / original.name)
    (area / "again").symlink_to(area / "chat", target_is_directory=True)
    run = recctl(
        "prune",
        "-f",
        "json",
        "work/project/tests",
        "work/project/tests/integration/again",
        cwd=tmp_path,
    )
    reasons = [json.loads(line) for line in run.stdout.splitlines()]
    flagged = [record for record in reasons if record.get("reason") == "duplicate"]
    # The copy is a duplicate (and misplaced before that); the original and its second path
    # never are.
    assert all(original.name not in r["path"] or "copy" in r["path"] for r in reasons), reasons
    assert len(flagged) <= 1
    recctl("prune", "--delete", "--yes", "work/project/tests", cwd=tmp_path)
    assert original.exists()


def _make_mode(path: Path, mode: int) -> None:
    path.chmod(mode)
    assert stat.S_IMODE(path.stat().st_mode) == mode


# --- the result cache: trusted only where recctl made it ----------------------------------------

ON = {"RECCTL_NO_CACHE": ""}
KEY = "sk-" + "A1b2C3d4E5f6G7h8" * 3


def leaky_repo(root: Path, pyproject: str = "") -> Path:
    """A git checkout whose one recording leaks a key in its answer."""
    recordings = root / "recordings"
    data = chat("test_a", "leak")
    data["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = f"use {KEY}"
    recorder.write(recordings, data)
    (root / "pyproject.toml").write_text(f'[project]\nname = "demo"\n{pyproject}')
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "recordings")
    return root


def cached_check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return recctl("check", *args, cwd=cwd, env=ON)


def _doctor(folder: Path) -> None:
    """Every entry of every cache file in ``folder`` says its file is clean."""
    for cache in folder.iterdir():
        if cache.name.startswith("check-"):
            document = json.loads(cache.read_text())
            for entry in document["entries"].values():
                entry[2] = []
            cache.write_text(json.dumps(document))


def test_a_cache_behind_a_symlinked_folder_is_not_trusted(tmp_path: Path) -> None:
    root = leaky_repo(tmp_path / "repo", '[tool.recctl]\ncache-dir = "ci/cachedata"\n')
    first = cached_check("repo/recordings", cwd=tmp_path)
    assert first.returncode == 1 and "openai-key" in first.stdout
    _doctor(root / "ci" / "cachedata")
    # The doctored cache is what a pull request commits, with a symlink where recctl looks.
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (root / ".recctl_cache").symlink_to("ci/cachedata", target_is_directory=True)
    again = cached_check("repo/recordings", cwd=tmp_path)
    no_traceback(again)
    assert again.returncode == 1 and "openai-key" in again.stdout


def test_a_cache_symlinked_out_of_the_project_is_never_written(tmp_path: Path) -> None:
    root = leaky_repo(tmp_path / "outer" / "repo")
    (root / ".recctl_cache").symlink_to("..", target_is_directory=True)
    run = cached_check("repo/recordings", cwd=tmp_path / "outer")
    no_traceback(run)
    assert run.returncode == 1
    assert sorted(path.name for path in (tmp_path / "outer").iterdir()) == ["repo"]
    assert not (root / ".gitignore").exists()


@pytest.mark.parametrize("where", [".", "..", "../outside", "/tmp/recctl-cache-elsewhere"])
def test_cache_dir_outside_the_project_or_at_its_root_is_a_usage_error(
    tmp_path: Path, where: str
) -> None:
    root = leaky_repo(tmp_path / "outer" / "repo", f'[tool.recctl]\ncache-dir = "{where}"\n')
    for command in ("check", "validate", "rehash"):
        run = recctl(command, "repo/recordings", cwd=tmp_path / "outer")
        no_traceback(run)
        assert run.returncode == 2, run.stdout + run.stderr
        assert "cache-dir" in run.stderr
    assert sorted(path.name for path in (tmp_path / "outer").iterdir()) == ["repo"]
    assert not (root / ".gitignore").exists()
    assert not Path("/tmp/recctl-cache-elsewhere").exists()
    # A fresh `git add -A` still sees new files.
    (root / "new.txt").write_text("x")
    assert "new.txt" in git(root, "status", "--porcelain")


def test_a_tracked_file_in_the_cache_folder_is_no_traceback(tmp_path: Path) -> None:
    root = leaky_repo(tmp_path / "repo")
    (root / ".recctl_cache").mkdir()
    (root / ".recctl_cache" / "README").write_text("committed by someone\n")
    git(root, "add", "-f", ".recctl_cache/README")
    git(root, "commit", "-qm", "readme in the cache")
    for command in ("check", "validate", "rehash"):
        run = recctl(command, "repo/recordings", cwd=tmp_path, env=ON)
        no_traceback(run)
        assert run.returncode in (0, 1), run.stderr
    # Nothing was written into the tracked folder.
    assert sorted(p.name for p in (root / ".recctl_cache").iterdir()) == ["README"]


def test_things_recctl_did_not_write_in_the_cache_folder_are_ignored(tmp_path: Path) -> None:
    root = leaky_repo(tmp_path / "repo")
    first = cached_check("repo/recordings", cwd=tmp_path)
    assert first.returncode == 1
    folder = root / ".recctl_cache"
    [cache] = [path for path in folder.iterdir() if path.name.startswith("check-")]
    cache.unlink()
    os.mkfifo(cache)  # a reader that opened it would wait forever
    (folder / ".gitignore").unlink()
    (folder / ".gitignore").symlink_to(tmp_path / "planted-outside")
    run = cached_check("repo/recordings", cwd=tmp_path)
    no_traceback(run)
    assert run.returncode == 1 and "openai-key" in run.stdout
    assert not (tmp_path / "planted-outside").exists()


def test_the_cache_of_one_project_is_not_another_s(tmp_path: Path) -> None:
    """Two checkouts of one repository: a cache doctored in one is a cold run in the other."""
    one = leaky_repo(tmp_path / "one")
    assert cached_check("one/recordings", cwd=tmp_path).returncode == 1
    _doctor(one / ".recctl_cache")
    two = tmp_path / "two"
    git(tmp_path, "clone", "-q", str(one), str(two))
    shutil.copytree(one / ".recctl_cache", two / ".recctl_cache")
    run = cached_check("two/recordings", cwd=tmp_path)
    assert run.returncode == 1 and "openai-key" in run.stdout


# --- the baseline fingerprints the secret itself -------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # No tail in the mask: ‹aws-access-key-id› for both.
        ("AKIA" + "Q3EXAMPLE7KEY2ID", "AKIA" + "Z9REALKEYZ9REAL9"),
        # The same last four characters: ‹openai-key …G7h8› for both.
        ("sk-" + "A1b2C3d4E5f6G7h8" * 3, "sk-" + "Zz9Yy8Xx7Ww6Vv5U" * 2 + "A1b2C3d4E5f6G7h8"),
    ],
)
def test_a_different_key_at_a_baselined_place_is_a_new_finding(
    tmp_path: Path, first: str, second: str
) -> None:
    root = tmp_path / "repo"
    recordings = root / "recordings"
    recordings.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    git(root, "init", "-q")

    def record(key: str) -> Path:
        for old in recordings.glob("*.json"):
            old.unlink()
        data = chat("test_a", "leak")
        data["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = f"use {key}"
        return recorder.write(recordings, data)

    record(first)
    written = recctl("check", "--write-baseline", "repo/recordings", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    baseline = (root / ".recctl-baseline.json").read_text()
    assert first not in baseline and first[-16:] not in baseline and first[4:12] not in baseline
    assert recctl("check", "repo/recordings", cwd=tmp_path).returncode == 0
    record(second)  # re-recorded with a real key: same kind, same place
    again = recctl("check", "repo/recordings", cwd=tmp_path)
    no_traceback(again)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "secret" in again.stdout and second not in again.stdout
    # The accepted key back in place is accepted again (the salt is the baseline's own).
    record(first)
    assert recctl("check", "repo/recordings", cwd=tmp_path).returncode == 0


# --- writers: re-check, keep the mode, leave protected files alone --------------------------


def outdated(checkout: Path, question: str = "old") -> Path:
    """A recording named by an older hash scheme: ``rehash --write`` renames it."""
    data = chat("test_a", question)
    data["request"]["body"]["temperature"] = 0.1234567  # schemes 2 and 4 round it apart
    return recorder.write(checkout / "tests/integration/chat/recordings", data, scheme="2")


def unnormalized(checkout: Path) -> Path:
    data = chat("test_b", "ids")
    path = recorder.write(checkout / "tests/integration/chat/recordings", data)
    return unnormalize(path, "chatcmpl-AbC123")


def leaking(checkout: Path) -> Path:
    data = chat("test_b", "leak")
    data["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = f"use {KEY}"
    return recorder.write(checkout / "tests/integration/chat/recordings", data)


def test_a_rename_keeps_the_file_s_mode(checkout: Path, tmp_path: Path) -> None:
    old = outdated(checkout)
    old.chmod(0o600)
    before = set(old.parent.iterdir())
    run = recctl("rehash", "--write", "work/project/tests", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    [new] = set(old.parent.iterdir()) - before
    assert not old.exists()
    assert stat.S_IMODE(new.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("command", "make"),
    [
        (["rehash", "--write"], outdated),
        (["normalize", "--write"], unnormalized),
        (["redact", "--write"], leaking),
        (["fix", "--write"], unnormalized),
        (["check", "--fix"], unnormalized),
    ],
)
def test_a_read_only_file_is_reported_and_left_alone(
    checkout: Path, tmp_path: Path, command: list[str], make: Any
) -> None:
    path = make(checkout)
    path.chmod(0o444)
    before = _files(checkout)
    run = recctl(*command, "work/project/tests", cwd=tmp_path)
    no_traceback(run)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "read-only" in run.stdout + run.stderr
    assert _files(checkout) == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_prune_leaves_a_read_only_stale_file(checkout: Path, tmp_path: Path) -> None:
    gone = recorder.write(checkout / "tests/integration/chat/recordings", chat("test_gone", "x"))
    gone.chmod(0o444)
    run = recctl("prune", "--delete", "--yes", "work/project/tests", cwd=tmp_path)
    no_traceback(run)
    assert run.returncode == 1 and "read-only" in run.stdout + run.stderr
    assert gone.exists()


EDIT_AFTER_THE_SCAN = """
import sys
from pathlib import Path

import recctl.rehash as core

scan = core.rehash_paths
path = Path(sys.argv[1])


def scan_then_edit(*args, **kwargs):
    yield from scan(*args, **kwargs)
    # Someone edits the request once the scan has judged it.
    path.write_text(path.read_text().replace('"content": "old"', '"content": "edited"'))


core.rehash_paths = scan_then_edit
sys.argv = ["recctl", "rehash", "--write", sys.argv[2]]
from recctl.cli import main

sys.exit(main())
"""


def test_rehash_write_never_renames_a_file_edited_after_the_scan(
    checkout: Path, tmp_path: Path
) -> None:
    old = outdated(checkout)
    run = subprocess.run(
        [sys.executable, "-c", EDIT_AFTER_THE_SCAN, str(old), "work/project/tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    no_traceback(run)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "changed since it was judged" in run.stdout
    assert old.exists() and '"content": "edited"' in old.read_text()
    assert len(list(old.parent.glob("*.json"))) == 3  # test_a, test_b and the edited one


# --- one choke point for secrets -----------------------------------------------------------------

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA7bq98s3kLm2nQp8vXy4zT1uW6eR0aS9dF3gH5jK7lZ2xC4vB6nM8qW1eR3tY5uI7oP9aS2d"
    "\n-----END RSA PRIVATE KEY-----"
)
PEM_BODY = ("IIEowIBAAKCAQ", "7bq98s3kLm", "aS9dF3gH5jK", "tY5uI7oP9")


def streamed(answer: str, size: int) -> dict[str, Any]:
    """A chat stream whose answer comes ``size`` characters a chunk."""
    data = chat("test_a", "stream")
    first, template, *rest = data["response"]["body"]
    pieces = []
    for start in range(0, len(answer), size):
        chunk = json.loads(json.dumps(template))
        chunk["__data__"]["choices"][0]["delta"]["content"] = answer[start : start + size]
        pieces.append(chunk)
    data["response"]["body"] = [first, *pieces, *rest]
    return data


def test_why_masks_a_key_in_the_request_s_test_id(checkout: Path, tmp_path: Path) -> None:
    data = chat(f"test_a[{KEY}]", "first")
    path = recorder.write(checkout / "tests/integration/chat/recordings", data)
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"test_id": data["test_id"], "request": data["request"]}))
    for form in ("text", "json"):
        shown = recctl("why", "--request", "request.json", "-f", form, path.name[:12], cwd=tmp_path)
        no_traceback(shown)
        assert KEY not in shown.stdout + shown.stderr and KEY[3:20] not in shown.stdout
        assert "‹openai-key" in shown.stdout


@pytest.mark.parametrize("size", [1, 4, 7])
def test_a_key_streamed_a_few_characters_a_chunk_is_never_shown(
    checkout: Path, tmp_path: Path, size: int
) -> None:
    recordings = checkout / "tests/integration/chat/recordings"
    path = recorder.write(recordings, streamed(f"here: {PEM} ok", size))
    before = tmp_path / "before" / "recordings"
    before.mkdir(parents=True)
    (before / path.name).write_text(json.dumps(streamed("here: nothing ok", size), indent=2) + "\n")
    where = f"work/project/tests/integration/chat/recordings/{path.name}"
    runs = [
        ["show", where],
        ["show", "-f", "json", where],
        ["show", "--raw", where],
        ["ls", "-f", "json", where],
        ["check", where],
        ["check", "-f", "sarif", where],
        *(
            ["diff", *form, "before/recordings", "work/project/tests/integration/chat/recordings"]
            for form in ([], ["-f", "json"], ["-f", "markdown"])
        ),
    ]
    for args in runs:
        shown = recctl(*args, cwd=tmp_path)
        no_traceback(shown)
        assert not any(part in shown.stdout + shown.stderr for part in PEM_BODY), args
    assert "‹private-key" in recctl("show", where, cwd=tmp_path).stdout
    redacted = recctl("redact", "--write", where, cwd=tmp_path)
    assert redacted.returncode == 0, redacted.stdout + redacted.stderr
    assert not any(part in path.read_text() for part in PEM_BODY)
    assert recctl("check", "--select", "secret", where, cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    "mapping",
    [
        {"file-123": KEY},
        {KEY: "file-123"},
        {"outer": {"inner": [KEY]}},
        {"api_key": "9f8e7d6c5b4a39281706f5e4d3c2b1a0"},
        {"k": PEM},
    ],
)
def test_redact_clears_a_key_in_the_id_normalization_mapping(
    checkout: Path, tmp_path: Path, mapping: dict[str, Any]
) -> None:
    data = chat("test_a", "mapped")
    data["id_normalization_mapping"] = mapping
    path = recorder.write(checkout / "tests/integration/chat/recordings", data)
    where = f"work/project/tests/integration/chat/recordings/{path.name}"
    assert recctl("check", "--select", "secret", where, cwd=tmp_path).returncode == 1
    redacted = recctl("redact", "--write", where, cwd=tmp_path)
    assert redacted.returncode == 0, redacted.stdout + redacted.stderr
    text = path.read_text()
    assert KEY not in text and "9f8e7d6c5b4a" not in text and PEM_BODY[0] not in text
    assert recctl("check", "--select", "secret", where, cwd=tmp_path).returncode == 0


# --- every input bounded, every option value to git a value ------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["prune", "--tests", "/dev/zero", "work/project/tests"],
        ["prune", "--tests", "{fifo}", "work/project/tests"],
        ["prune", "--tests", "{latin1}", "work/project/tests"],
        ["check", "--schema", "/dev/zero", "work/project/tests"],
        ["check", "--schema", "{fifo}", "work/project/tests"],
        ["validate", "--schema", "{fifo}", "work/project/tests"],
        ["why", "--request", "{fifo}", "0123456789ab"],
        ["why", "--request", "/dev/zero", "0123456789ab"],
    ],
)
def test_a_device_a_fifo_or_bad_bytes_given_as_input_is_one_error_line(
    checkout: Path, tmp_path: Path, fifo: Path, args: list[str]
) -> None:
    latin1 = tmp_path / "ids.txt"
    latin1.write_bytes(b"tests/test_\xe9.py::test_a\n")
    named = [arg.format(fifo=fifo, latin1=latin1) for arg in args]
    run = recctl(*named, cwd=tmp_path, timeout=30)
    no_traceback(run)
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith("recctl: error: ") and len(run.stderr.splitlines()) <= 2


def test_hash_of_an_endless_pipe_ends(checkout: Path, tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        run = subprocess.run(
            [sys.executable, "-m", "recctl", "hash", "-"],
            cwd=checkout,
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert run.returncode == 2 and "limit" in run.stderr and "Traceback" not in run.stderr


def test_a_pyproject_that_is_a_fifo_is_never_waited_on(tmp_path: Path) -> None:
    root = tmp_path / "fifo-project"
    (root / "recordings").mkdir(parents=True)
    recorder.write(root / "recordings", chat("test_a", "x"))
    os.mkfifo(root / "pyproject.toml")
    run = recctl("check", "fifo-project/recordings", cwd=tmp_path, timeout=30)
    no_traceback(run)
    assert run.returncode == 0, run.stderr  # not a regular file: no configuration


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["check", "--changed", "--base=--output={victim}", "repo/recordings"], 2),
        (["check", "--changed", "--base", "--output={victim}", "repo/recordings"], 2),
        (["diff", "--", "--output={victim}", "HEAD"], 2),
        (["diff", "--", "--output={victim}..HEAD"], 2),
        (["diff", "--", "--output={victim}...HEAD"], 2),
        # After a revision and "--" it is a path, and git takes it as one.
        (["diff", "HEAD", "--", "--output={victim}"], 0),
    ],
)
def test_an_option_given_as_a_revision_never_reaches_git(
    tmp_path: Path, args: list[str], code: int
) -> None:
    leaky_repo(tmp_path / "repo")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    named = [arg.format(victim=victim) for arg in args]
    cwd = tmp_path / "repo" if named[0] == "diff" else tmp_path
    run = recctl(*named, cwd=cwd)
    no_traceback(run)
    assert run.returncode == code, run.stdout + run.stderr
    assert victim.read_text() == "precious\n"


def test_show_reveal_on_a_terminal_is_the_one_way_past_the_masking(
    checkout: Path, tmp_path: Path
) -> None:
    if shutil.which("script") is None:
        pytest.skip("no script(1) to give recctl a terminal")
    path = leaking(checkout)
    where = f"work/project/tests/integration/chat/recordings/{path.name}"
    command = f"{sys.executable} -m recctl show"
    masked = subprocess.run(
        ["script", "-qc", f"{command} {where}", "/dev/null"], cwd=tmp_path, capture_output=True
    ).stdout.decode()
    revealed = subprocess.run(
        ["script", "-qc", f"{command} --reveal {where}", "/dev/null"],
        cwd=tmp_path,
        capture_output=True,
    ).stdout.decode()
    assert KEY not in masked and "‹openai-key" in masked
    assert KEY in revealed
