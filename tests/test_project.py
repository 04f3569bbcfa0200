"""The project root comes from the paths, never from where the user stands.

A llama-stack-shaped tree (``tests/<area>/test_*.py`` beside ``tests/<area>/recordings/``) is
checked from its root, from its parent, from a sibling directory and from inside a recordings
folder: every command gives the same verdicts. Writers change what the user names wherever
it lies, and refuse only what a symlink takes out of the project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from recctl import store
from tests import recorder
from tests.conftest import DATA, invoke

FUNCTIONS = "def test_a():\n    pass\n\n\ndef test_b():\n    pass\n"


def _chat(test_id: str | None, question: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    if test_id is None:
        data.pop("test_id", None)
    else:
        data["test_id"] = test_id
    data["request"]["body"]["messages"][0]["content"] = question
    return data


def _with_float(test_id: str) -> dict[str, Any]:
    """A request that schemes 3 and later hash differently from scheme 2 (they round it)."""
    data = _chat(test_id, "old")
    data["request"]["body"]["temperature"] = 0.123456789
    return data


_write = recorder.write


def llama_stack_tree(top: Path) -> dict[str, Path]:
    """A checkout with two test areas, a git work tree and a pyproject.toml without
    [tool.recctl]: files that are ok, orphaned, misplaced, outdated, edited and unhashable."""
    top.mkdir(parents=True)
    (top / "pyproject.toml").write_text('[project]\nname = "ls"\n')
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    inference = top / "tests" / "integration" / "inference"
    agents = top / "tests" / "integration" / "agents"
    for area in (inference, agents):
        area.mkdir(parents=True)
        (area / "test_area.py").write_text(FUNCTIONS)
    area_test = "tests/integration/{}/test_area.py::{}"
    files = {
        "ok": _write(inference / "recordings", _chat(area_test.format("inference", "test_a"), "a")),
        "ok2": _write(agents / "recordings", _chat(area_test.format("agents", "test_b"), "b")),
        "orphan": _write(
            inference / "recordings", _chat(area_test.format("inference", "test_gone"), "gone")
        ),
        "misplaced": _write(
            inference / "recordings", _chat(area_test.format("agents", "test_a"), "placed")
        ),
        "outdated": _write(
            agents / "recordings", _with_float(area_test.format("agents", "test_a")), "2"
        ),
    }
    edited = _write(inference / "recordings", _chat(area_test.format("inference", "test_b"), "e"))
    edited.write_text(edited.read_text().replace('"e"', '"edited"'))
    files["mismatch"] = edited
    processor = {
        "test_id": area_test.format("agents", "test_b"),
        "request": {"provider": "pypdf", "api": "file_processors", "file_id": "file-1"},
        "response": {"body": {"chunks": []}, "is_streaming": False},
        "id_normalization_mapping": {},
    }
    unhashable = agents / "recordings" / ("f" * 64 + ".json")
    unhashable.write_text(json.dumps(processor, indent=2) + "\n")
    files["unhashable"] = unhashable
    return files


def _needs_every_fix(top: Path) -> dict[str, Path]:
    files = llama_stack_tree(top)
    secret = _chat("tests/integration/inference/test_area.py::test_a", "secret")
    secret["request"]["headers"] = {"Authorization": "Bearer sk-proj-" + "Q7x" * 10}
    files["secret"] = _write(top / "tests/integration/inference/recordings", secret)
    raw = files["ok2"].read_text()
    files["unnormalized"] = files["ok2"]
    files["ok2"].write_text(raw.replace('"created": 0', '"created": 1712345678', 1))
    invalid = _chat("tests/integration/agents/test_area.py::test_b", "invalid")
    invalid["response"]["is_streaming"] = "yes"
    files["invalid"] = _write(top / "tests/integration/agents/recordings", invalid)
    return files


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Path]]]:
    top = tmp_path / "work" / "ls"
    files = _needs_every_fix(top)
    (tmp_path / "work" / "sibling").mkdir()
    yield top, files


def _absolute(record: dict[str, Any], cwd: Path, *keys: str) -> dict[str, Any]:
    return {
        **record,
        **{key: os.path.normpath(cwd / record[key]) for key in keys if record.get(key)},
    }


def _verdicts(command: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.chdir(cwd)
    result = invoke(command)
    assert "Traceback" not in result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    lines = [json.dumps(_absolute(r, cwd, "path", "new_path"), sort_keys=True) for r in records]
    return [*sorted(lines), result.exit_code]


def _places(top: Path) -> dict[str, tuple[Path, str]]:
    """Where the user stands, and how the tree's tests folder is named from there."""
    recordings = top / "tests" / "integration" / "inference" / "recordings"
    return {
        "root": (top, "tests"),
        "parent": (top.parent, "ls/tests"),
        "sibling": (top.parent / "sibling", "../ls/tests"),
        "recordings": (recordings, "../../.."),
    }


@pytest.mark.parametrize(
    "command",
    [
        ["prune", "-f", "json"],
        ["check", "-f", "json"],
        ["rehash", "-f", "json"],
        ["show", "-f", "json"],
        ["validate", "-f", "json"],
        ["ls", "-f", "json"],
        ["normalize", "-f", "json"],
        ["redact", "-f", "json"],
    ],
)
def test_the_same_verdicts_wherever_the_user_stands(
    tree: tuple[Path, dict[str, Path]], command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, _ = tree
    answers = {
        place: _verdicts([*command, tests], cwd, monkeypatch)
        for place, (cwd, tests) in _places(top).items()
    }
    assert len(answers["root"]) > 1
    for place, answer in answers.items():
        assert answer == answers["root"], place


def test_prune_finds_each_reason_from_the_parent_directory(
    tree: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, files = tree
    monkeypatch.chdir(top.parent)
    result = invoke(["prune", "-f", "json", "ls/tests"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    reasons = {
        Path(record["path"]).name: record["reason"] for record in records if "path" in record
    }
    assert {"not_stale": {"outdated": 1, "conflict": 0}} in records
    assert reasons == {
        files["orphan"].name: "orphan",
        files["misplaced"].name: "misplaced",
        files["mismatch"].name: "unreachable",
    }


def test_inside_a_recordings_folder(
    tree: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, files = tree
    monkeypatch.chdir(files["ok"].parent)
    shown = invoke(["show", files["ok"].name[:6]])
    assert shown.exit_code == 0, shown.output
    assert files["ok"].name in shown.stdout
    # A file elsewhere in the project is found too, by the project-wide lookup.
    elsewhere = invoke(["show", "-f", "json", files["ok2"].name[:8]])
    assert json.loads(elsewhere.stdout)["path"].endswith(files["ok2"].name)
    # Plain check reads the folder it stands in.
    checked = invoke(["check", "--select", "hash"])
    assert checked.exit_code == 1
    assert "5 recordings" in checked.stdout
    assert files["mismatch"].name in checked.stdout


def test_a_wrong_root_withholds_orphans_and_deletes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recordings copied without their tests: every test file is "missing".
    top = tmp_path / "copy"
    recordings = top / "tests" / "integration" / "inference" / "recordings"
    names = [
        _write(recordings, _chat(f"tests/integration/inference/test_x.py::test_{i}", str(i)))
        for i in range(5)
    ]
    (top / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    dry = invoke(["prune", "copy/tests"])
    assert dry.exit_code == 0, dry.output
    assert "0 stale recordings" in dry.stdout
    assert "no test sources under" in dry.stdout
    assert "for 5 of 5 recordings with a test id: is this the project? pass --root" in dry.stdout
    deleted = invoke(["prune", "--delete", "--yes", "copy/tests"])
    assert deleted.exit_code == 0
    assert all(path.exists() for path in names)
    # With the right root the verdicts are given.
    (top / "tests" / "integration" / "inference" / "test_x.py").write_text("def test_0(): pass\n")
    judged = invoke(["prune", "-f", "json", "copy/tests"])
    orphans = [json.loads(line) for line in judged.stdout.splitlines()]
    assert len(orphans) == 4 and {record["reason"] for record in orphans} == {"orphan"}


def test_root_option_overrides_the_search(
    tree: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, _ = tree
    monkeypatch.chdir(top.parent)
    wrong = invoke(["prune", "--root", "sibling", "ls/tests"])
    assert "no test sources under sibling" in wrong.stdout
    right = invoke(["prune", "-f", "json", "--root", "ls", "ls/tests"])
    assert sum('"path"' in line for line in right.stdout.splitlines()) == 3
    assert invoke(["check", "--root", "nowhere", "ls/tests"]).exit_code == 2


def test_prune_delete_without_a_terminal_needs_yes(tree: tuple[Path, dict[str, Path]]) -> None:
    top, files = tree
    command = [sys.executable, "-m", "recctl", "prune", "--delete", "ls/tests"]
    completed = subprocess.run(
        command, cwd=top.parent, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    assert completed.returncode == 2
    assert "needs --yes" in completed.stderr
    assert files["orphan"].exists()
    command.append("--yes")
    completed = subprocess.run(
        command, cwd=top.parent, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    assert not files["orphan"].exists() and not files["misplaced"].exists()
    assert files["ok"].exists() and files["outdated"].exists()


def test_rehash_exits_0_with_unhashable_files(tree: tuple[Path, dict[str, Path]]) -> None:
    _, files = tree
    agents_ok = [str(files["ok2"]), str(files["unhashable"])]
    result = invoke(["rehash", *agents_ok])
    assert result.exit_code == 0, result.output
    assert "unhashable" in result.stdout


# --- writers ---------------------------------------------------------------------------------


WRITERS: dict[str, tuple[list[str], Callable[[dict[str, Path]], bool]]] = {
    "rehash --write": (["rehash", "--write"], lambda f: not f["outdated"].exists()),
    "check --fix": (["check", "--fix"], lambda f: not f["outdated"].exists()),
    "normalize --write": (
        ["normalize", "--write"],
        lambda f: '"created": 1712345678' not in f["unnormalized"].read_text(),
    ),
    "redact --write": (
        ["redact", "--write"],
        lambda f: "<redacted:openai-key>" in f["secret"].read_text(),
    ),
    "prune --delete": (["prune", "--delete", "--yes"], lambda f: not f["orphan"].exists()),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_writers_change_an_absolute_path_outside_the_current_directory(
    writer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _needs_every_fix(tmp_path / "project")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    args, done = WRITERS[writer]
    result = invoke([*args, str(tmp_path / "project" / "tests")])
    assert "not writing there" not in result.output
    assert done(files), result.output


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_writers_refuse_a_symlink_out_of_the_project_and_follow_one_inside(
    writer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    _needs_every_fix(outside)
    project = tmp_path / "project"
    (project / "pyproject.toml").parent.mkdir()
    (project / "pyproject.toml").write_text("")
    for area in ("inference", "agents"):
        tests = project / "tests" / "integration" / area
        tests.mkdir(parents=True)
        shutil.copy(outside / "tests/integration" / area / "test_area.py", tests)
        # Each recordings folder leads out of the project.
        (tests / "recordings").symlink_to(outside / "tests/integration" / area / "recordings")
    before = {path: path.read_bytes() for path in outside.rglob("*.json")}
    monkeypatch.chdir(project)
    args, done = WRITERS[writer]
    linked = ["tests/integration/inference/recordings", "tests/integration/agents/recordings"]
    result = invoke([*args, *linked])
    assert {path: path.read_bytes() for path in before if path.exists()} == before
    assert all(path.exists() for path in before)
    assert "outside the project" in result.output, result.output
    assert str(outside) in result.output and str(project) in result.output
    # Symlinks that stay inside the project are written through.
    for area in ("inference", "agents"):
        real = project / "real" / area
        shutil.copytree(outside / "tests/integration" / area / "recordings", real)
        link = project / "tests" / "integration" / area / "recordings"
        link.unlink()
        link.symlink_to(real)
    inside = _needs_every_fix_names(outside, project / "real")
    inside_result = invoke([*args, *linked])
    assert "outside the project" not in inside_result.output
    assert done(inside), inside_result.output


def _needs_every_fix_names(outside: Path, real: Path) -> dict[str, Path]:
    """The files of ``_needs_every_fix`` as copied into ``real/<area>/``."""
    return {
        name: real / path.parent.parent.name / path.name
        for name, path in _files_of(outside).items()
    }


def _files_of(top: Path) -> dict[str, Path]:
    recordings = sorted(top.rglob("recordings/*.json"))
    by_kind: dict[str, Path] = {}
    for path in recordings:
        data = json.loads(path.read_text())
        test = data.get("test_id", "")
        text = path.read_text()
        if "test_gone" in test:
            by_kind["orphan"] = path
        if "Bearer" in text:
            by_kind["secret"] = path
        if "1712345678" in text:
            by_kind["unnormalized"] = path
        if "body" not in data["request"]:
            continue
        outdated = path.stem != recorder.request_hash(data, "4")
        if outdated and path.stem == recorder.request_hash(data, "2"):
            by_kind["outdated"] = path
    return by_kind


# --- paths that are not there, and folders that cannot be read --------------------------------

EVERY_COMMAND = [
    ["validate"],
    ["check"],
    ["check", "--fix"],
    ["rehash"],
    ["rehash", "--write"],
    ["ls"],
    ["show"],
    ["normalize"],
    ["normalize", "--write"],
    ["redact"],
    ["redact", "--write"],
    ["prune"],
    ["prune", "--delete", "--yes"],
    ["hash"],
]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=" ".join)
def test_a_misspelt_path_is_a_usage_error(
    command: list[str], tree: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, _ = tree
    monkeypatch.chdir(top)
    result = invoke([*command, "tests/integraton"])
    assert result.exit_code == 2, result.output
    assert result.stderr == "recctl: error: tests/integraton: no such file or directory\n"


def test_diff_of_a_misspelt_path_is_a_usage_error(
    tree: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, _ = tree
    monkeypatch.chdir(top)
    result = invoke(["diff", "tests/integraton", "tests"])
    assert result.exit_code == 2
    assert "tests/integraton: no such file, directory or git revision" in result.stderr


@pytest.fixture
def locked(tree: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A recordings folder that cannot be listed (as a chmod 000 does, even for root)."""
    top, files = tree
    folder = top / "tests" / "integration" / "agents" / "recordings" / "locked"
    folder.mkdir()
    shutil.copy(files["ok2"], folder / files["ok2"].name)
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path).rstrip(os.sep) == str(folder):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(top)
    yield folder


@pytest.mark.parametrize(
    "command", [c for c in EVERY_COMMAND if c[0] != "hash"] + [["diff"]], ids=" ".join
)
def test_a_folder_that_cannot_be_read_is_a_finding(command: list[str], locked: Path) -> None:
    args = ["tests", "tests"] if command == ["diff"] else ["tests"]
    result = invoke([*command, *args])
    assert result.exit_code == 1, result.output
    assert "locked" in result.output
    assert "Permission denied" in result.output


def test_a_locked_folder_for_real(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any folder: the test above simulates the refusal")
    files = llama_stack_tree(tmp_path / "ls")
    folder = files["ok"].parent / "locked"
    folder.mkdir()
    folder.chmod(0)
    try:
        result = invoke(["check", str(tmp_path / "ls" / "tests")])
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 1
    assert "cannot read directory: Permission denied" in result.stdout


# --- writes that never lose an edit -----------------------------------------------------------


def test_an_edit_between_read_and_replace_is_kept(
    tree: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    top, files = tree
    target = files["ok"]
    target.write_text(target.read_text().replace('"created": 0', '"created": 99', 1))
    edited = target.read_text().replace('"a"', '"edited by hand"')

    def edit(path: Path) -> None:
        path.write_text(edited)

    monkeypatch.setattr(store, "before_replace", edit)
    monkeypatch.chdir(top)
    result = invoke(["normalize", "--write", str(target)])
    assert result.exit_code == 1
    assert "changed while it was written; not overwriting it" in result.stdout
    assert target.read_text() == edited
    assert not [p for p in target.parent.iterdir() if p.name.startswith(store.TEMP_PREFIX)]


def test_a_sweep_spares_a_live_writers_temp_file(tmp_path: Path) -> None:
    recording = tmp_path / "x.json"
    recording.write_text("{}")
    live = tmp_path / f"{store.TEMP_PREFIX}x.json.{os.getpid()}.00000000{store.TEMP_SUFFIX}"
    live.write_text("in flight")
    dead_pid = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dead = tmp_path / f"{store.TEMP_PREFIX}x.json.{dead_pid}.00000000{store.TEMP_SUFFIX}"
    dead.write_text("left by a killed run")
    old = tmp_path / f"{store.TEMP_PREFIX}x.json.0a1b2c3d{store.TEMP_SUFFIX}"
    old.write_text("an older run's name, without a pid")
    os.utime(old, (0, 0))
    assert sorted(store.sweep_temp_files([recording])) == sorted([dead, old])
    assert live.exists()


def _run_two(command: list[str], cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "recctl", *command],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    done = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def test_two_writers_on_one_tree_leave_every_file_as_one_of_them_wrote(tmp_path: Path) -> None:
    folder = tmp_path / "p" / "recordings"
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "pyproject.toml").write_text("")
    wanted: dict[str, str] = {}
    for index in range(200):
        data = _with_float(f"tests/test_x.py::test_{index}")
        data["request"]["body"]["messages"][0]["content"] = f"question {index}"
        path = _write(folder, data, "2" if index % 2 else "4")
        normal = path.read_text()
        path.write_text(normal.replace('"created": 0', '"created": 12345', 1))
        wanted[recorder.request_hash(data, "4")] = data["request"]["body"]["messages"][0]["content"]
    for run in _run_two(["normalize", "--write", "recordings"], tmp_path / "p"):
        assert run.returncode == 0, run.stderr + run.stdout
        assert "No such file" not in run.stdout + run.stderr
    for run in _run_two(["rehash", "--write", "-f", "json", "recordings"], tmp_path / "p"):
        verdicts = [json.loads(line) for line in run.stdout.splitlines()]
        assert all(v.get("action") != "failed" for v in verdicts), run.stdout
        # A run may find a file gone that the other renamed after the listing: said so.
        vanished = [v for v in verdicts if v["status"] == "invalid"]
        assert all("removed since it was listed" in v["detail"] for v in vanished)
        assert run.returncode == (1 if vanished else 0), run.stderr
    names = sorted(path.name for path in folder.iterdir())
    assert names == sorted(f"{digest}.json" for digest in wanted)
    for path in folder.iterdir():
        data = json.loads(path.read_text())
        assert data["request"]["body"]["messages"][0]["content"] == wanted[path.stem]
        assert '"created": 12345' not in path.read_text()
        assert path.read_text() == json.dumps(data, indent=2) + "\n"
    final = invoke(["rehash", str(folder)])
    assert final.exit_code == 0, final.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--bogus"], "recctl: error: No such option: --bogus"),
        (["ls", "-f", "xml"], "recctl: error: Invalid value for '--format' / '-f': 'xml'"),
        (["prune", "--tests", "nope.txt"], "recctl: error: cannot read nope.txt"),
        (["validate", "--schema", "nope.json"], "recctl: error: cannot read schema nope.json"),
    ],
)
def test_every_usage_error_has_one_style(
    args: list[str],
    message: str,
    tree: tuple[Path, dict[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tree[0])
    completed = subprocess.run(
        [sys.executable, "-m", "recctl", *args], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith(message), completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_hook_run_over_two_projects_judges_each_by_its_own_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monorepo: pre-commit passes files of two packages, each with its [tool.recctl]."""
    for package, select in (("a", "hash"), ("b", "secret")):
        (tmp_path / package).mkdir()
        (tmp_path / package / "pyproject.toml").write_text(
            f'[tool.recctl]\nselect = ["{select}"]\n'
        )
    secret = _with_float("tests/test_x.py::test_a")
    secret["request"]["body"]["messages"][0]["content"] = "use sk-proj-" + "Tz4kQ9mW2xLp" * 4
    in_a = _write(tmp_path / "a" / "recordings", secret, "2")  # outdated, and a secret
    in_b = _write(tmp_path / "b" / "recordings", secret, "2")
    monkeypatch.chdir(tmp_path)
    result = invoke(["check", "-f", "json", str(in_a), str(in_b)])
    findings = {
        (Path(f["path"]).parts[0], f["check"]) for f in map(json.loads, result.stdout.splitlines())
    }
    assert findings == {("a", "hash"), ("b", "secret")}
    # A command that judges files together asks for one project at a time.
    refused = invoke(["prune", str(in_a), str(in_b)])
    assert refused.exit_code == 2
    assert "belong to different projects" in refused.stderr


def test_details_name_files_from_the_root_through_a_symlinked_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = tmp_path / "real" / "ls"
    files = llama_stack_tree(top)
    # The outdated file's request again, under the newest scheme's name: a duplicate.
    newest = _write(files["outdated"].parent, json.loads(files["outdated"].read_text()))
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path)
    result = invoke(["prune", "-f", "json", "link/ls/tests"])
    details = [json.loads(line)["detail"] for line in result.stdout.splitlines()]
    same = [detail for detail in details if detail.startswith("the same request as")]
    assert same == [f"the same request as {newest.relative_to(top)}"]
