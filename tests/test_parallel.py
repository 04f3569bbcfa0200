"""Per-file work over several processes: same results, same order, failures reported."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from recctl.parallel import WorkerError, process_map
from tests import plant, recorder
from tests.conftest import chat, invoke, recctl, unnormalize


def square(value: int) -> int:
    return value * value


# Workers claim batches as they are free: work that takes no time at all may be done by this
# process before a child has started, so the probes below take a moment per item.


def pid_of(_: int) -> int:
    time.sleep(0.002)
    return os.getpid()


def fail_in_a_child(value: int) -> int:
    time.sleep(0.002)
    if os.getpid() != PARENT:
        raise ValueError(f"child failed on {value}")
    return value


def die_on_seven(value: int) -> int:
    time.sleep(0.002)
    if value == 7 and os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return value


PARENT = os.getpid()


@pytest.mark.parametrize("jobs", [None, 1, 2, 3, 50])
@pytest.mark.parametrize("count", [0, 1, 5, 63, 64, 200])
def test_results_keep_input_order(jobs: int | None, count: int) -> None:
    assert list(process_map(square, range(count), jobs)) == [i * i for i in range(count)]


def test_work_is_spread_over_processes() -> None:
    assert len(set(process_map(pid_of, range(200), jobs=2))) == 2
    assert len(set(process_map(pid_of, range(300), jobs=3))) == 3
    assert set(process_map(pid_of, range(200), jobs=1)) == {os.getpid()}


@pytest.mark.parametrize("count", [64, 65, 200])
def test_a_parent_that_only_gathers_leaves_every_item_to_its_workers(count: int) -> None:
    """``parent_works=False``: ``jobs`` workers take every batch, in input order, and the
    parent runs none of them (it holds the results, not the parses)."""
    assert list(process_map(square, range(count), 2, parent_works=False)) == [
        i * i for i in range(count)
    ]
    pids = list(process_map(pid_of, range(count), 2, parent_works=False))
    assert os.getpid() not in pids and len(set(pids)) == 2


def test_a_parent_that_only_gathers_reports_a_killed_worker() -> None:
    with pytest.raises(WorkerError, match="died"):
        list(process_map(die_on_seven, list(range(8)) * 20, jobs=2, parent_works=False))


def test_initializer_prepares_every_worker() -> None:
    seen: list[int] = []
    assert list(process_map(square, range(100), 2, seen.append, (1,))) == [
        i * i for i in range(100)
    ]
    assert seen == [1]  # run once, before forking; the children inherit its effect


def test_a_failing_worker_is_reported() -> None:
    with pytest.raises(WorkerError, match="failed: ValueError: child failed on"):
        list(process_map(fail_in_a_child, range(100), jobs=2))


def test_a_killed_worker_is_reported_not_hidden() -> None:
    with pytest.raises(WorkerError, match="died"):
        list(process_map(die_on_seven, list(range(8)) * 20, jobs=2))


def test_parallel_and_serial_validate_print_the_same(recordings: Path) -> None:
    for index in range(70):
        (recordings / f"bad-{index:02d}.json").write_text('{"test_id": 1}')
    serial = invoke(["validate", "--format", "json", "--jobs", "1"])
    parallel = invoke(["validate", "--format", "json", "--jobs", "2"])
    assert serial.exit_code == parallel.exit_code == 1
    assert serial.stdout == parallel.stdout
    assert len(serial.stdout.splitlines()) == 70 * 3


def test_repairs_judge_on_every_core_and_write_as_one_process_does(tmp_path: Path) -> None:
    """normalize, redact and fix judge every file over the cores, then write the files to
    change one at a time: the same report as one process gives, and a write that converges.
    Run from another folder, through a symlink to the project."""
    project = tmp_path / "project"
    folder = project / "recordings"
    folder.mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    key = plant.SHAPED["openai-key"]
    for index in range(70):  # enough files to fork (PARALLEL_THRESHOLD)
        data = chat(f"test_{index}", f"question {index}")
        if index % 5 == 0:
            plant._response_chunk(data, key)
        path = recorder.write(folder, data)
        if index % 3 == 0:
            unnormalize(path)
    (tmp_path / "link").symlink_to(project, target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    named = str(tmp_path / "link" / "recordings")
    for command in ("normalize", "redact", "fix"):
        serial = recctl(command, "-j", "1", "-f", "json", named, cwd=elsewhere)
        spread = recctl(command, "-j", "2", "-f", "json", named, cwd=elsewhere)
        assert serial.returncode == 1, serial.stderr
        assert (spread.returncode, spread.stdout) == (serial.returncode, serial.stdout)
    assert recctl("fix", "--write", "-j", "2", named, cwd=elsewhere).returncode == 1
    assert recctl("fix", named, cwd=elsewhere).returncode == 0
    clean = recctl("check", "--select", "normalization,secret", named, cwd=elsewhere)
    assert clean.returncode == 0, clean.stdout
