"""``recctl prune``: stale recordings with their reasons, and safe deletion."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import pytest

from recctl import prune as core
from recctl.project import Project
from tests import recorder
from tests.conftest import CHAT_TEST_FILE, invoke
from tests.conftest import chat as _recording

TEST_FILE = CHAT_TEST_FILE


def _project(project: Path, functions: str) -> Path:
    test_file = project / TEST_FILE
    test_file.parent.mkdir(parents=True)
    test_file.write_text(functions)
    recordings = test_file.parent / "recordings"
    recordings.mkdir()
    return recordings


_write = recorder.write


def _stale(*args: str) -> dict[str, tuple[str, str]]:
    """Stale recordings by path (relative to the project), with reason and detail."""
    result = invoke(["prune", "-f", "json", *args])
    return {
        record["path"].removeprefix("./"): (record["reason"], record["detail"])
        for record in map(json.loads, result.stdout.splitlines())
        if "path" in record
    }


def _rel(path: Path, project: Path) -> str:
    return str(path.relative_to(project))


FUNCTIONS = "def test_a():\n    pass\n\n\nclass TestB:\n    def test_b(self):\n        pass\n"


def test_every_reason(project: Path) -> None:
    recordings = _project(project, FUNCTIONS)
    kept = _write(recordings, _recording("test_a[x]", "kept"))
    method = _write(recordings, _recording("TestB::test_b", "a method"))
    orphan = _write(recordings, _recording("test_gone", "orphan"))
    misplaced = _write(project / "tests" / "other" / "recordings", _recording("test_a", "moved"))
    # Shared set-up recordings (no test) in two recordings directories: the same request.
    shared = {**_recording("test_a", "shared"), "test_id": None}
    first = _write(project / "tests" / "a" / "recordings", shared)
    second = _write(project / "tests" / "b" / "recordings", shared)
    mismatch = recordings / ("0" * 64 + ".json")
    mismatch.write_text(kept.read_text())
    legacy = _write(
        project / "tests" / "integration" / "recordings" / "responses",
        {**_recording("test_a", "old"), "test_id": None},
        "1",
    )
    outdated_data = _recording("test_a", "renamable")
    outdated_data["request"]["body"]["temperature"] = 0.1234567
    outdated = _write(recordings, outdated_data, "2")
    stale = _stale(".")
    rel = {
        path: _rel(path, project)
        for path in (kept, method, orphan, misplaced, first, second, mismatch, legacy, outdated)
    }
    assert set(stale) == {rel[orphan], rel[misplaced], rel[second], rel[mismatch], rel[legacy]}
    assert stale[rel[orphan]] == (
        "orphan",
        f"{TEST_FILE}::test_gone: {TEST_FILE} defines no test_gone",
    )
    assert stale[rel[misplaced]] == (
        "misplaced",
        "the recorder looks for it in tests/integration/chat/recordings/",
    )
    assert stale[rel[second]] == ("duplicate", f"the same request as {rel[first]}")
    assert stale[rel[mismatch]][0] == "unreachable"
    assert stale[rel[legacy]][0] == "unreachable"
    assert "legacy layout" in stale[rel[legacy]][1]
    text = invoke(["prune", "."]).stdout
    assert "1 outdated recording is not stale: recctl rehash --write" in text


def test_deleting_a_test_function_orphans_exactly_its_recordings(project: Path) -> None:
    recordings = _project(project, FUNCTIONS)
    for index in range(3):
        _write(recordings, _recording(f"test_a[{index}]", f"a {index}"))
    b_files = {_write(recordings, _recording("TestB::test_b", f"b {i}")).name for i in range(2)}
    assert _stale() == {}
    (project / TEST_FILE).write_text("def test_a():\n    pass\n")
    stale = _stale()
    assert {Path(path).name for path in stale} == b_files
    assert {reason for reason, _ in stale.values()} == {"orphan"}
    (project / TEST_FILE).unlink()
    # Every recording's test file is gone: that looks like a wrong root, not five orphans.
    assert _stale() == {}
    assert "withheld" in invoke(["prune"]).stdout


def test_collected_node_ids(project: Path) -> None:
    recordings = _project(project, FUNCTIONS)
    collected = _write(recordings, _recording("test_a[x]", "collected"))
    gone = _write(recordings, _recording("test_a[y]", "not collected"))
    (project / "ids.txt").write_text(
        f"{TEST_FILE}::test_a[x]\n{TEST_FILE}::TestB::test_b\n\n3 tests collected\n"
    )
    stale = _stale("--tests", "ids.txt")
    assert _rel(collected, project) not in stale
    assert stale[_rel(gone, project)] == (
        "orphan",
        f"{TEST_FILE}::test_a[y]: not collected by pytest",
    )
    assert invoke(["prune", "--tests", "ids.txt", "--collect", "x"]).exit_code == 2


def test_collect_runs_pytest(project: Path) -> None:
    recordings = _project(
        project,
        "import pytest\n\n\n@pytest.mark.parametrize('n', [1, 2])\ndef test_a(n):\n    pass\n",
    )
    (project / TEST_FILE).parent.joinpath("__init__.py").write_text("")
    present = _write(recordings, _recording("test_a[1]", "one"))
    absent = _write(recordings, _recording("test_a[3]", "three"))
    stale = _stale("--collect", TEST_FILE)
    assert _rel(present, project) not in stale
    assert stale[_rel(absent, project)][0] == "orphan"


def test_delete_removes_exactly_the_dry_run_list(project: Path) -> None:
    recordings = _project(project, FUNCTIONS)
    keep = _write(recordings, _recording("test_a", "keep"))
    gone = [_write(recordings, _recording("test_gone", f"gone {i}")) for i in range(3)]
    dry = _stale()
    assert set(dry) == {_rel(path, project) for path in gone}
    refused = invoke(["prune", "--delete"])  # no terminal to ask on
    assert refused.exit_code == 2
    assert "needs --yes" in refused.stderr
    result = invoke(["prune", "--delete", "--yes"])
    assert result.exit_code == 0
    assert "deleted 3 files" in result.stderr
    assert sorted(p.name for p in recordings.iterdir()) == [keep.name]
    again = invoke(["prune", "--delete", "--yes"])
    assert again.exit_code == 0
    assert "0 stale recordings" in again.stdout


def test_delete_refuses_a_file_changed_since_it_was_read(project: Path) -> None:
    recordings = _project(project, FUNCTIONS)
    gone = _write(recordings, _recording("test_gone", "gone"))
    report = core.find_stale(
        [gone],
        __import__("recctl.hashing", fromlist=["x"]).get_scheme(None),
        Project(project.resolve()),
        2**20,
    )
    gone.write_text(gone.read_text().replace("gone", "changed"))
    core.delete(report, project)
    assert gone.exists()
    assert report.failed and "changed since it was read" in report.failed[0][1]


def test_variants_of_one_test(project: Path) -> None:
    recordings = _project(project, FUNCTIONS)
    first = _write(
        recordings,
        _recording(
            "test_a", "search result score: 0.8123 for doc 5f0c2a1e-1111-4a4a-8b8b-000000000001"
        ),
    )
    second = _write(
        recordings,
        _recording(
            "test_a", "search result score: 0.7999 for doc 5f0c2a1e-2222-4a4a-8b8b-000000000002"
        ),
    )
    other = _write(recordings, _recording("test_a", "an entirely different question"))
    result = invoke(["prune", "--variants", "-f", "json"])
    variants = [
        json.loads(line)["variants"] for line in result.stdout.splitlines() if "variants" in line
    ]
    assert variants == [
        {
            "test_id": f"{TEST_FILE}::test_a",
            "endpoint": "/v1/chat/completions",
            "paths": sorted(
                f"{TEST_FILE.rsplit('/', 1)[0]}/recordings/{p.name}" for p in (first, second)
            ),
        }
    ]
    assert other.name not in json.dumps(variants)


def _synthetic_tests(root: Path) -> None:
    definitions: dict[str, set[str]] = collections.defaultdict(set)
    for path in root.rglob("*.json"):
        test_id = json.loads(path.read_text()).get("test_id")
        if test_id:
            file, _, rest = test_id.partition("::")
            definitions[file].add(rest.split("[", 1)[0])
    for file, names in definitions.items():
        lines = []
        classes: dict[str, list[str]] = collections.defaultdict(list)
        for name in sorted(names):
            if "::" in name:
                cls, method = name.split("::", 1)
                classes[cls].append(method)
            else:
                lines.append(f"def {name}():\n    pass\n")
        for cls, methods in classes.items():
            body = "".join(f"    def {method}(self):\n        pass\n" for method in methods)
            lines.append(f"class {cls}:\n{body}")
        (root / file).parent.mkdir(parents=True, exist_ok=True)
        (root / file).write_text("\n".join(lines))


def test_on_the_2025_corpus(corpus: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = project / "llama-stack"
    shutil.copytree(corpus / "llama-stack-1394403", copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    _synthetic_tests(copy)
    (copy / "pyproject.toml").write_text("")
    monkeypatch.chdir(copy)
    records = [
        json.loads(line) for line in invoke(["prune", "-f", "json", "tests"]).stdout.splitlines()
    ]
    stale = [record for record in records if "reason" in record]
    # Not stale: the outdated files a rename repairs, as rehash counts them.
    assert {"not_stale": {"outdated": 29, "conflict": 0}} in records
    reasons = collections.Counter(record["reason"] for record in stale)
    legacy = [r for r in stale if "/recordings/responses/" in r["path"]]
    assert len(legacy) == 281 and all(r["reason"] == "unreachable" for r in legacy)
    verdicts = [
        json.loads(line) for line in invoke(["rehash", "-f", "json", "tests"]).stdout.splitlines()
    ]
    ok_paths = {v["path"] for v in verdicts if v["status"] == "ok"}
    assert not ok_paths & {r["path"] for r in stale}
    assert reasons == {"unreachable": 281 + 55, "duplicate": 20}


def test_variants_leave_out_model_listings(corpus: Path) -> None:
    result = invoke(["prune", "--variants", "-f", "json", str(corpus)])
    variants = [
        json.loads(line)["variants"] for line in result.stdout.splitlines() if '"variants"' in line
    ]
    assert not [v for v in variants if v["endpoint"] in core.MODEL_LISTINGS]
    assert not [v for v in variants if any("models-" in path for path in v["paths"])]
