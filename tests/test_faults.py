"""Nothing is lost under faults: SIGKILL at random moments, Ctrl-C, failing writes.

Every command that writes runs on a copy of the corpus and is killed at a random moment;
afterwards every recording is byte-identical to a version some complete run produces (old,
intermediate or new), none is missing or truncated, and the next run removes the temporary
files and ends exactly where an uninterrupted run ends.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from recctl import store
from tests.conftest import invoke
from tests.test_prune import _synthetic_tests

RUNS = int(os.environ.get("RECCTL_FAULT_RUNS", "20"))
SECRET = "sk-proj-" + "Zz09Yy18Xx27Ww36" * 3

State = dict[str, bytes]


def _subset(corpus: Path, target: Path) -> None:
    """About eighty 2025 recordings that each write command has work on."""
    source = corpus / "llama-stack-1394403"
    verdicts = [
        json.loads(line)
        for line in invoke(["rehash", "-f", "json", "--exit-zero", str(source)]).stdout.splitlines()
    ]
    chosen: list[Path] = []
    by_status: dict[str, int] = {}
    for verdict in verdicts:
        key = f"{verdict['status']}/{verdict['repair']}"
        if by_status.get(key, 0) < 20:
            by_status[key] = by_status.get(key, 0) + 1
            chosen.append(Path(verdict["path"]).resolve())
    for index, path in enumerate(chosen):
        destination = target / path.relative_to(source.resolve())
        destination.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        if index % 5 == 0:  # a leaked key for redact to remove
            data = data.replace(b'"response": {', f'"response": {{"_": "{SECRET}",'.encode(), 1)
            data = store.dumps(json.loads(data))
        destination.write_bytes(data)
    _synthetic_tests(target)
    (target / "pyproject.toml").write_text("")


def _state(root: Path) -> tuple[State, list[str]]:
    files: State = {}
    temps = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix == ".json":
            files[str(path.relative_to(root))] = path.read_bytes()
        elif path.name.startswith(store.TEMP_PREFIX):
            temps.append(str(path.relative_to(root)))
    return files, temps


COMMANDS: dict[str, list[list[str]]] = {
    # each command, preceded by the steps whose end states are its intermediate versions
    "rehash --write": [["rehash", "--write", "--exit-zero", "tests"]],
    "normalize --write": [["normalize", "--write", "tests"]],
    "redact --write": [["redact", "--write", "tests"]],
    "prune --delete": [["prune", "--delete", "--yes", "tests"]],
    "check --fix": [
        ["normalize", "--write", "tests"],
        ["rehash", "--write", "--exit-zero", "tests"],
        ["check", "--fix", "-j", "1", "tests"],
    ],
    "fix --write": [
        ["normalize", "--write", "tests"],
        ["rehash", "--write", "--exit-zero", "tests"],
        ["fix", "--write", "-j", "1", "tests"],
    ],
}


def _run(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "recctl", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import CORPUS

    if not CORPUS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared corpus is missing at {CORPUS} and CI=true")
        pytest.skip(f"no shared corpus at {CORPUS}")
    root = tmp_path_factory.mktemp("subset")
    _subset(CORPUS, root)
    return root


@pytest.mark.parametrize("name", list(COMMANDS))
def test_sigkill_at_random_moments_loses_nothing(name: str, subset: Path, tmp_path: Path) -> None:
    steps = COMMANDS[name]
    versions: dict[str, set[bytes]] = {}

    def remember(state: State) -> None:
        for path, data in state.items():
            versions.setdefault(path, set()).add(data)

    # Reference: the complete run, and the state after each step.
    reference = tmp_path / "reference"
    shutil.copytree(subset, reference)
    original, _ = _state(reference)
    remember(original)
    started = time.perf_counter()
    for step in steps:
        assert _run(step, reference).wait(timeout=120) in (0, 1)
        remember(_state(reference)[0])
    duration = time.perf_counter() - started
    final, temps = _state(reference)
    assert not temps
    assert final != original, f"{name} had nothing to do"
    rng = random.Random(name)
    for attempt in range(RUNS):
        work = tmp_path / f"run{attempt}"
        shutil.copytree(subset, work)
        # The last step from the original state: for check --fix, its own normalization too.
        process = _run(steps[-1], work)
        time.sleep(rng.uniform(0.0, duration * 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        after, _ = _state(work)
        for path, data in after.items():
            assert path in versions and data in versions[path], (name, attempt, path)
        for path in original:
            if path not in after:
                # Gone only where a complete run removes it too (renamed or pruned).
                assert path not in final, (name, attempt, path)
        # The next run cleans up and ends where an uninterrupted run ends.
        assert _run(steps[-1], work).wait(timeout=120) in (0, 1)
        again, leftovers = _state(work)
        assert leftovers == [], (name, attempt)
        assert again == final, (name, attempt)
        shutil.rmtree(work)


def test_ctrl_c_finishes_the_file_in_hand(
    subset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    shutil.copytree(subset, work)
    monkeypatch.chdir(work)
    from recctl import normalize

    real = normalize.normalize_file
    writes: list[str] = []

    def interrupting(path: Path, display: str, root: Path, max_size: int, write: bool) -> Any:
        result = real(path, display, root, max_size, write)
        if write:  # the files are judged first (over the cores), then written one by one
            writes.append(os.path.relpath(result.path, work))
            if len(writes) == 3:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the third file is in hand
        return result

    monkeypatch.setattr(normalize, "normalize_file", interrupting)
    before = {path: path.read_bytes() for path in work.rglob("*.json")}
    result = invoke(["normalize", "--write", "-f", "json", "tests"])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert len(writes) == 3  # the third file finished, no fourth started
    # The report says what was done, up to the file in hand and no further.
    records = [json.loads(line) for line in result.stdout.splitlines()]
    normalized = [record["path"] for record in records if record["action"] == "normalized"]
    assert normalized == writes
    assert records[-1]["path"] == writes[-1]
    changed = sorted(
        str(path.relative_to(work)) for path in before if path.read_bytes() != before[path]
    )
    assert changed == sorted(writes)


def _normalize_plan(
    subset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[str]]:
    """A copy of the subset to stand in, and the files normalize would change there."""
    work = tmp_path / "work"
    shutil.copytree(subset, work)
    monkeypatch.chdir(work)
    plan = [
        json.loads(line)
        for line in invoke(["normalize", "-f", "json", "tests"]).stdout.splitlines()
    ]
    todo = [record["path"] for record in plan if record["action"] == "would normalize"]
    assert len(todo) >= 2
    return work, todo


def _failing(monkeypatch: pytest.MonkeyPatch, victim: str, error: OSError) -> None:
    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:
        if Path(target).name == victim:
            raise error
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize(
    "error",
    [OSError(28, "No space left on device"), PermissionError(13, "Permission denied")],
    ids=["full-disk", "read-only"],
)
def test_a_failing_write_is_a_finding_and_others_go_on(
    subset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError
) -> None:
    work, todo = _normalize_plan(subset, tmp_path, monkeypatch)
    victim = Path(todo[0])
    before = victim.read_bytes()
    _failing(monkeypatch, victim.name, error)
    result = invoke(["normalize", "--write", "-f", "json", "tests"])
    assert result.exit_code == 1
    done = {record["path"]: record for record in map(json.loads, result.stdout.splitlines())}
    assert done[str(victim)]["action"] == "failed"
    assert error.strerror in done[str(victim)]["detail"]
    assert victim.read_bytes() == before
    assert all(done[path]["action"] == "normalized" for path in todo[1:])
    assert not list(work.rglob(f"{store.TEMP_PREFIX}*"))


def test_a_file_changed_by_someone_else_is_left_alone(
    subset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recctl import normalize

    _, todo = _normalize_plan(subset, tmp_path, monkeypatch)
    victim = Path(todo[0])
    theirs = victim.read_bytes().replace(b"\n}\n", b',\n  "edited": true\n}\n')
    real: Callable[..., Any] = normalize.normalized

    def racing(recording: dict[str, Any], hash12: str) -> dict[str, Any]:
        if victim.read_bytes() != theirs and recording.get("test_id") == json.loads(
            victim.read_bytes()
        ).get("test_id"):
            victim.write_bytes(theirs)  # another process edits between read and write
        result: dict[str, Any] = real(recording, hash12)
        return result

    monkeypatch.setattr(normalize, "normalized", racing)
    result = invoke(["normalize", "--write", "-f", "json", "tests"])
    done = {record["path"]: record for record in map(json.loads, result.stdout.splitlines())}
    assert done[str(victim)]["action"] == "failed"
    assert "changed since it was read" in done[str(victim)]["detail"]
    assert victim.read_bytes() == theirs
    assert sum(record["action"] == "normalized" for record in done.values()) >= len(todo) - 1
