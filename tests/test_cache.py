"""The result cache (issue 21): a hit gives what a fresh run gives without reading the file;
any change to the file or to what judges it misses; a broken cache is never trusted. And
``check --changed``, which reads only what git says changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from recctl import store
from tests import recorder
from tests.conftest import invoke, recctl
from tests.test_check import SECRETS, _base, _plant

ON = {"RECCTL_NO_CACHE": ""}
"""The suite turns the cache off everywhere (conftest); these tests turn it on."""


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def _committed(project: Path) -> Path:
    """``project`` as a git repository with its recordings committed."""
    _git(project, "init", "-q")
    _git(project, "add", "recordings", "pyproject.toml")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "r")
    return project


@pytest.fixture
def corpus_project(project: Path) -> Path:
    """A project with findings of every check and clean files: recordings/."""
    directory = project / "recordings"
    directory.mkdir()
    recorder.write(directory, _base())
    outdated = _base()
    outdated["test_id"] += "-old"
    outdated["request"]["body"]["temperature"] = 0.1234567
    recorder.write(directory, outdated, scheme="2")
    leaked = _plant(_base(), SECRETS["openai-key"], "response")
    leaked["test_id"] += "-leak"
    recorder.write(directory, leaked)
    broken = _base()
    broken["test_id"] = 5
    (directory / ("c" * 64 + ".json")).write_text(json.dumps(broken, indent=2) + "\n")
    (directory / ("d" * 64 + ".json")).write_text('{"test_id": "x", ')
    return directory


class Reads:
    """Counts the recordings recctl reads (``store.read_bytes`` is its one loader)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = store.read_bytes

        def counting(path: Any, *args: Any, **kwargs: Any) -> bytes:
            self.count += "recordings" in str(path)
            return original(path, *args, **kwargs)

        monkeypatch.setattr(store, "read_bytes", counting)


COMMANDS = [
    ["check", "-f", "text"],
    ["check", "-f", "json"],
    ["check", "-f", "github"],
    ["check", "-f", "sarif"],
    ["check", "-f", "markdown"],
    ["validate", "-f", "text"],
    ["validate", "-f", "json"],
    ["validate", "-f", "github"],
    ["rehash", "-f", "text"],
    ["rehash", "-f", "json"],
    ["rehash", "-f", "github"],
    ["rehash", "-f", "markdown"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_hit_gives_the_fresh_output_without_reading_a_file(
    corpus_project: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    fresh = invoke([*args, "--no-cache"], env=ON)
    assert not (corpus_project.parent / ".recctl_cache").exists()  # --no-cache writes none
    first = invoke(args, env=ON)
    assert (first.exit_code, first.stdout) == (fresh.exit_code, fresh.stdout)
    assert fresh.exit_code == 1  # every command has findings here
    reads = Reads(monkeypatch)
    again = invoke(args, env=ON)
    assert (again.exit_code, again.stdout, again.stderr) == (
        fresh.exit_code,
        fresh.stdout,
        fresh.stderr,
    )
    assert reads.count == 0


def test_findings_come_back_with_their_lines_and_the_cache_holds_no_secret(
    corpus_project: Path,
) -> None:
    fresh = invoke(["check", "-f", "json", "--no-cache"], env=ON).stdout
    invoke(["check", "-f", "json"], env=ON)
    cached = invoke(["check", "-f", "json"], env=ON).stdout
    assert cached == fresh
    assert any(json.loads(line)["line"] for line in cached.splitlines())
    cache = corpus_project.parent / ".recctl_cache"
    assert (cache / ".gitignore").read_text().endswith("*\n")
    text = "".join(path.read_text() for path in cache.iterdir())
    assert SECRETS["openai-key"] not in text and SECRETS["openai-key"][-16:] not in text


def _one_file(corpus_project: Path) -> Path:
    return next(p for p in sorted(corpus_project.iterdir()) if "leak" in p.read_text())


@pytest.mark.parametrize("change", ["edit", "touch", "rename", "replace", "rewrite in place"])
def test_a_changed_file_misses(
    corpus_project: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    invoke(["check"], env=ON)
    path = _one_file(corpus_project)
    stat = path.stat()
    text = path.read_text()
    same_size = text.replace(SECRETS["openai-key"], SECRETS["openai-key"][::-1])
    assert len(same_size) == len(text) and same_size != text
    if change == "edit":
        path.write_text(text.replace(SECRETS["openai-key"], "no key here"))
    elif change == "touch":
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    elif change == "rename":
        path.rename(path.with_name("e" * 64 + ".json"))
    elif change == "replace":  # same size and mtime, another file (inode)
        other = path.with_name("tmp")
        other.write_text(same_size)
        os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(other, path)
    else:  # same size and mtime, same inode: the change time tells
        path.write_text(same_size)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    reads = Reads(monkeypatch)
    cached = invoke(["check", "-f", "json"], env=ON)
    assert reads.count == 1
    assert cached.stdout == invoke(["check", "-f", "json", "--no-cache"], env=ON).stdout


@pytest.mark.parametrize(
    "change", ["schema", "select", "scheme", "version", "config", "salt", "ignores"]
)
def test_what_judges_the_files_changing_misses_them_all(
    corpus_project: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    project = corpus_project.parent
    schema = project / "schema.json"
    schema.write_text(json.dumps({"type": "object", "required": ["test_id"]}))
    invoke(["check"], env=ON)
    invoke(["check", "--schema", "schema.json"], env=ON)
    args = ["check"]
    if change == "schema":
        schema.write_text(json.dumps({"type": "object", "required": ["request"]}))
        args += ["--schema", "schema.json"]
    elif change == "select":
        args += ["--select", "schema,hash"]
    elif change == "scheme":
        args += ["--scheme", "3"]
    elif change == "version":
        monkeypatch.setattr("recctl.cache.__version__", "999")
    elif change == "config":
        (project / "pyproject.toml").write_text("[tool.recctl]\nmax-file-size = 1000000\n")
    elif change == "salt":
        monkeypatch.setenv("RECCTL_SECRET_SALT", "pepper")
    else:
        (project / "pyproject.toml").write_text(
            '[tool.recctl.per-path-ignores]\n"x/**" = ["hash"]\n'
        )
    reads = Reads(monkeypatch)
    invoke(args, env=ON)
    assert reads.count == len(list(corpus_project.iterdir()))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong shapes", "empty"])
def test_a_broken_cache_is_ignored_and_rebuilt(
    corpus_project: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    fresh = invoke(["check", "-f", "json", "--no-cache"], env=ON).stdout
    invoke(["check", "-f", "json"], env=ON)
    [cache] = [
        p for p in (corpus_project.parent / ".recctl_cache").iterdir() if p.name != ".gitignore"
    ]
    raw = cache.read_bytes()
    if damage == "truncated":
        cache.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        cache.write_bytes(b"\x00\xff" * 100)
    elif damage == "empty":
        cache.write_bytes(b"")
    else:
        document = json.loads(raw)
        for entry in document["entries"].values():
            entry[2] = [["line?", None, None, "schema", 5]]
        cache.write_text(json.dumps(document))
    reads = Reads(monkeypatch)
    assert invoke(["check", "-f", "json"], env=ON).stdout == fresh
    assert reads.count == len(list(corpus_project.iterdir()))
    reads.count = 0
    assert invoke(["check", "-f", "json"], env=ON).stdout == fresh
    assert reads.count == 0  # rebuilt


def test_a_fresh_clone_hits_by_blob_id(
    corpus_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _committed(corpus_project.parent)
    fresh = invoke(["check", "-f", "json"], env=ON).stdout
    # CI checks out afresh into the same workspace path and restores the cache there (the
    # cache is keyed by the project's root).
    earlier = project.parent / f"{project.name}-earlier"
    monkeypatch.chdir(project.parent)
    project.rename(earlier)
    clone = project
    _git(project.parent, "clone", "-q", str(earlier), str(clone))
    shutil.copytree(earlier / ".recctl_cache", clone / ".recctl_cache")  # a restored CI cache
    monkeypatch.chdir(clone)
    reads = Reads(monkeypatch)
    cloned = invoke(["check", "-f", "json"], env=ON).stdout
    assert reads.count == 0  # new paths, new mtimes, same blobs
    assert cloned == fresh
    # A file edited in the clone is no longer clean: it is read.
    edited = next((clone / "recordings").glob("c*.json"))
    edited.write_text(edited.read_text().replace('"test_id": 5', '"test_id": 6'))
    os.utime(edited, ns=(0, 0))
    invoke(["check"], env=ON)
    assert reads.count == 1


def test_a_cache_committed_to_git_is_not_trusted(
    corpus_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pull request that commits a cache saying its leaked key is clean gets it checked.
    project = _committed(corpus_project.parent)
    invoke(["check"], env=ON)
    [cache] = [p for p in (project / ".recctl_cache").iterdir() if p.name != ".gitignore"]
    document = json.loads(cache.read_text())
    for entry in document["entries"].values():
        entry[2] = []  # every file clean
    cache.write_text(json.dumps(document))
    _git(project, "add", "-f", ".recctl_cache")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "cache")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(project), str(clone))
    monkeypatch.chdir(clone)
    result = invoke(["check", "-f", "json"], env=ON)
    assert result.exit_code == 1
    assert "secret" in {json.loads(line)["check"] for line in result.stdout.splitlines()}


def test_concurrent_runs_leave_a_valid_cache(corpus_project: Path) -> None:
    project = corpus_project.parent
    for number in range(60):
        data = _base()
        data["test_id"] += f"-{number}"
        recorder.write(corpus_project, data)
    env = {**os.environ, **ON, "NO_COLOR": "1"}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "recctl", command, "-j", "2"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for command in ("check", "check", "validate", "rehash", "check")
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 1 for run in runs), outputs
    caches = [p for p in (project / ".recctl_cache").iterdir() if p.name != ".gitignore"]
    assert {p.name.split("-")[0] for p in caches} == {"check", "validate", "rehash"}
    for cache in caches:
        document = json.loads(cache.read_text())
        assert len(document["entries"]) == len(list(corpus_project.iterdir()))
    assert not list(project.rglob("*.tmp"))
    expected = invoke(["check", "--no-cache"], env=ON).stdout
    assert invoke(["check"], env=ON).stdout == expected


def test_cache_dir_and_no_project_no_cache(
    corpus_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = corpus_project.parent
    (project / "pyproject.toml").write_text('[tool.recctl]\ncache-dir = "build/cache"\n')
    invoke(["check"], env=ON)
    assert (project / "build" / "cache" / ".gitignore").is_file()
    assert not (project / ".recctl_cache").exists()
    # A folder that is no project (no pyproject.toml, no git) is only read.
    loose = tmp_path / "loose"
    shutil.copytree(corpus_project, loose / "recordings")
    monkeypatch.chdir(loose)
    invoke(["check"], env=ON)
    assert sorted(p.name for p in loose.iterdir()) == ["recordings"]


# --- check --changed -------------------------------------------------------------------------


def test_check_changed_reads_only_what_git_says_changed(
    corpus_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = corpus_project.parent
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", ".")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    _git(project, "checkout", "-q", "-b", "feature")
    nothing = invoke(["check", "--changed"], env=ON)
    assert nothing.exit_code == 0 and "0 recordings clean" in nothing.stdout
    committed = _base()
    committed["test_id"] += "-committed"
    recorder.write(corpus_project, committed)
    _git(project, "add", ".")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "add")
    untracked = _plant(_base(), SECRETS["github-token"], "response")
    untracked["test_id"] += "-new"
    new = recorder.write(corpus_project, untracked)
    (corpus_project / ("d" * 64 + ".json")).unlink()  # deleted: nothing to check
    os.chdir(corpus_project)  # from inside the folder, as from anywhere
    reads = Reads(monkeypatch)
    result = invoke(["check", "--changed", "-f", "json"])
    assert reads.count == 2
    [finding] = [json.loads(line) for line in result.stdout.splitlines()]
    assert finding["path"] == new.name and finding["check"] == "secret"
    assert invoke(["check", "--changed", "--base", "HEAD"]).exit_code == 1
    assert invoke(["check", "--changed", "--base", "HEAD", "--select", "schema"]).exit_code == 0
    assert invoke(["check", "--base", "HEAD"]).exit_code == 2
    bad = invoke(["check", "--changed", "--base", "no-such-rev"])
    assert bad.exit_code == 2 and "recctl: error: git" in bad.stderr


def test_check_changed_outside_git_is_a_usage_error(corpus_project: Path) -> None:
    result = invoke(["check", "--changed"])
    assert result.exit_code == 2 and "recctl: error:" in result.stderr


def _renamed_into_taken_names(project: Path) -> Path:
    """Three outdated files whose new names other files hold: the renamed file itself (an
    interrupted rename), the same request written otherwise (a duplicate) and another
    request (a conflict). Only reading both files of each pair tells which. Returns the
    duplicate's target."""
    from tests.test_rehash import _base as rehash_base

    directory = project / "recordings"
    directory.mkdir()
    targets = {}
    for kind, scheme in [("complete", "4b"), ("duplicate", "3"), ("conflict", "4b")]:
        data = rehash_base()
        data["test_id"] += f"-{kind}"
        new_name, new = recorder.record(data, "4")
        old_name, old = recorder.record(data, scheme)
        (directory / old_name).write_text(old)
        if kind == "duplicate":
            new = json.dumps(json.loads(new), indent=4) + "\n"
        elif kind == "conflict":
            new = _another_request(new)
        targets[kind] = directory / new_name
        targets[kind].write_text(new)
    return targets["duplicate"]


def _another_request(content: str) -> str:
    data = json.loads(content)
    data["request"]["body"]["messages"][0]["content"] = "Which planet is red?"
    return json.dumps(data, indent=2) + "\n"


SAME_FILE = "the target is this file"
SAME_REQUEST = "the target holds the same request"
ANOTHER_REQUEST = "the target holds another request"


@pytest.mark.parametrize(
    "args", [["check"], ["check", "-f", "json"], ["rehash"], ["rehash", "-f", "json"]]
)
def test_renames_into_taken_names_are_settled_from_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """A warm run words a duplicate, a conflict and an interrupted rename as a cold one,
    without reading the two files of each; a change to either file is read again."""
    duplicate_target = _renamed_into_taken_names(project)
    fresh = invoke([*args, "--no-cache"], env=ON)
    for detail in (SAME_FILE, SAME_REQUEST, ANOTHER_REQUEST):
        assert fresh.stdout.count(detail) == 1, (detail, fresh.stdout)
    assert invoke(args, env=ON).stdout == fresh.stdout
    reads = Reads(monkeypatch)
    again = invoke(args, env=ON)
    assert (again.exit_code, again.stdout) == (fresh.exit_code, fresh.stdout)
    assert reads.count == 0
    # The duplicate's target now holds another request: a conflict, read from the files.
    duplicate_target.write_text(_another_request(duplicate_target.read_text()))
    after = invoke(args, env=ON)
    assert reads.count == 3  # the changed file judged anew, then the two files of its pair
    assert after.stdout == invoke([*args, "--no-cache"], env=ON).stdout
    assert SAME_REQUEST not in after.stdout and after.stdout.count(ANOTHER_REQUEST) == 2


@pytest.mark.parametrize("payload", [["renamed", ""], ["duplicate", 5], ["conflict"], "conflict"])
def test_a_settlement_of_the_wrong_shape_is_judged_again(
    project: Path, monkeypatch: pytest.MonkeyPatch, payload: Any
) -> None:
    """A cache is never trusted: a kept settlement that is not one a dry run can give is a
    miss, and both files are read again."""
    _renamed_into_taken_names(project)
    fresh = invoke(["check", "--no-cache"], env=ON)
    invoke(["check"], env=ON)
    (cache_file,) = (project / ".recctl_cache").glob("check-*")
    document = json.loads(cache_file.read_text())
    kept = [key for key in document["entries"] if key.startswith("rename\0")]
    assert len(kept) == 3
    for key in kept:
        document["entries"][key][2] = payload
    cache_file.write_text(json.dumps(document))
    reads = Reads(monkeypatch)
    again = invoke(["check"], env=ON)
    assert (again.exit_code, again.stdout) == (fresh.exit_code, fresh.stdout)
    assert reads.count == 6  # the two files of each of the three pairs


def test_settlements_hold_from_another_folder_through_a_symlink_in_a_pipe(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """As a user runs it: from outside the project, naming it through a symlink, output to
    a pipe at 80 columns; the warm run words every pair as the cold one."""
    _renamed_into_taken_names(project)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "link").symlink_to(project)
    env = {**ON, "COLUMNS": "80"}
    fresh = recctl("check", "--no-cache", "link/recordings", cwd=elsewhere, env=env)
    first = recctl("check", "link/recordings", cwd=elsewhere, env=env)
    again = recctl("check", "link/recordings", cwd=elsewhere, env=env)
    assert fresh.returncode == first.returncode == again.returncode == 1, fresh.stderr
    assert fresh.stdout == first.stdout == again.stdout
    for detail in (SAME_FILE, SAME_REQUEST, ANOTHER_REQUEST):
        assert detail in again.stdout
    (cache_file,) = (project / ".recctl_cache").glob("check-*")
    entries = json.loads(cache_file.read_text())["entries"]
    assert sum(key.startswith("rename\0") for key in entries) == 3
