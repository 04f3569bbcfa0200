"""Usage truth as real suites run (issue 27): recordings opened by server subprocesses and
worker pools, several logs of a CI matrix, and only the recordings of tests that ran and
passed judged. A toy recorder names its files its own way: ``sha256(prompt).json``."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import recctl

RECORDER = '''
import hashlib
import json
from pathlib import Path

RECORDINGS = Path(__file__).parent / "recordings"


def replay(prompt):
    """A toy recorder: the file named by the prompt's sha256."""
    name = hashlib.sha256(prompt.encode()).hexdigest() + ".json"
    return json.loads((RECORDINGS / name).read_text())["response"]
'''

SERVER = """
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from toy_recorder import replay

print(replay(sys.argv[1]))
"""

SUITE = """
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from toy_recorder import replay

HERE = Path(__file__).parent


def test_server():
    out = subprocess.run(
        [sys.executable, str(HERE / "server.py"), "served"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "answer to served" in out.stdout


def test_pool():
    with multiprocessing.get_context("fork").Pool(2) as pool:
        answers = pool.map(replay, ["pooled one", "pooled two"])
    assert len(answers) == 2


def test_inline():
    assert replay("inline")


def test_skipped():
    pytest.skip("needs a GPU")
"""

OTHER = """
from toy_recorder import replay


def test_elsewhere():
    assert replay("elsewhere")
"""


def recording(prompt: str, test_id: str) -> dict[str, Any]:
    return {
        "test_id": test_id,
        "request": {
            "method": "POST",
            "url": "http://localhost:8000/v1/chat/completions",
            "headers": {},
            "body": {"model": "m", "messages": [{"role": "user", "content": prompt}]},
            "endpoint": "/v1/chat/completions",
            "model": "m",
        },
        "response": {"body": f"answer to {prompt}", "is_streaming": False},
    }


@pytest.fixture
def suite(pytester: pytest.Pytester) -> dict[str, Path]:
    """The toy project: its recordings by the prompt they answer."""
    root = pytester.path
    (root / "pyproject.toml").write_text('[project]\nname = "toy"\n[tool.recctl]\n')
    tests = root / "tests"
    (tests / "recordings").mkdir(parents=True)
    (tests / "other" / "recordings").mkdir(parents=True)
    (tests / "toy_recorder.py").write_text(RECORDER)
    (tests / "server.py").write_text(SERVER)
    (tests / "test_suite.py").write_text(SUITE)
    (tests / "other" / "test_other.py").write_text(OTHER)
    (root / "conftest.py").write_text(
        "import sys\nfrom pathlib import Path\n"
        "sys.path.insert(0, str(Path(__file__).parent / 'tests'))\n"
    )
    files = {}
    for prompt, test, folder in (
        ("served", "tests/test_suite.py::test_server", tests / "recordings"),
        ("pooled one", "tests/test_suite.py::test_pool", tests / "recordings"),
        ("pooled two", "tests/test_suite.py::test_pool", tests / "recordings"),
        ("inline", "tests/test_suite.py::test_inline", tests / "recordings"),
        ("unused", "tests/test_suite.py::test_inline", tests / "recordings"),
        ("skipped", "tests/test_suite.py::test_skipped", tests / "recordings"),
        ("elsewhere", "tests/other/test_other.py::test_elsewhere", tests / "other" / "recordings"),
    ):
        name = hashlib.sha256(prompt.encode()).hexdigest() + ".json"
        (folder / name).write_text(json.dumps(recording(prompt, test), indent=2) + "\n")
        files[prompt] = folder / name
    return files


def run_suite(pytester: pytest.Pytester, log: str, *args: str) -> None:
    """The suite run as CI runs it: only tests/test_suite.py (tests/other is another job's)."""
    result = pytester.runpytest_subprocess(
        f"--recctl-used={log}", "-p", "no:cacheprovider", "tests/test_suite.py", *args
    )
    result.assert_outcomes(passed=3, skipped=1)


def log_of(path: Path) -> dict[str, dict[str, Any]]:
    _, *records = (json.loads(line) for line in path.read_text().splitlines())
    return {record["test"]: record for record in records}


def relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root))


def test_the_log_sees_servers_pools_and_outcomes(
    pytester: pytest.Pytester, suite: dict[str, Path]
) -> None:
    root = pytester.path
    run_suite(pytester, "used.jsonl")
    tests = log_of(root / "used.jsonl")
    node = "tests/test_suite.py::"
    assert tests[node + "test_server"]["opened"] == {relative(suite["served"], root): 1}
    assert tests[node + "test_pool"]["opened"] == {
        relative(suite["pooled one"], root): 1,
        relative(suite["pooled two"], root): 1,
    }
    assert tests[node + "test_inline"]["opened"] == {relative(suite["inline"], root): 1}
    assert tests[node + "test_skipped"]["outcome"] == "skipped"
    assert "tests/other/test_other.py::test_elsewhere" not in tests  # not in this run


def test_the_log_is_the_same_under_xdist(pytester: pytest.Pytester, suite: dict[str, Path]) -> None:
    root = pytester.path
    run_suite(pytester, "serial.jsonl")
    run_suite(pytester, "parallel.jsonl", "-n", "2")
    serial, parallel = log_of(root / "serial.jsonl"), log_of(root / "parallel.jsonl")
    assert {test: record["opened"] for test, record in serial.items()} == {
        test: record["opened"] for test, record in parallel.items()
    }


def test_prune_judges_only_what_a_passing_run_vouches_for(
    pytester: pytest.Pytester, suite: dict[str, Path], tmp_path: Path
) -> None:
    root = pytester.path
    run_suite(pytester, "used.jsonl")
    dry = recctl("prune", "--used", "used.jsonl", "-f", "json", "tests", cwd=root)
    records = [json.loads(line) for line in dry.stdout.splitlines()]
    stale = {record["path"]: record["reason"] for record in records if "path" in record}
    # Opened files are never stale (their names are no scheme's); the skipped test's and the
    # other module's files are not judged; only the recording no passing test opened goes.
    assert stale == {relative(suite["unused"], root): "unused"}, records
    [unjudged] = [record["unjudged"] for record in records if "unjudged" in record]
    assert unjudged == {"skipped": 1, "not in any run": 1}
    text = recctl("prune", "--used", "used.jsonl", "tests", cwd=root).stdout
    assert "2 recordings not judged (no run that passed vouches for them)" in text
    assert "usage log used.jsonl: 4 tests, 3 passed, 4 recordings opened" in text
    # Deleting on a copy of the project: only the truly unused file goes.
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    deleted = recctl("prune", "--used", "used.jsonl", "--delete", "--yes", "tests", cwd=copy)
    assert deleted.returncode == 0, deleted.stderr
    for prompt, path in suite.items():
        assert (copy / path.relative_to(root)).exists() == (prompt != "unused"), prompt


def test_an_empty_log_of_a_matrix_is_refused_unless_allowed(
    pytester: pytest.Pytester, suite: dict[str, Path]
) -> None:
    root = pytester.path
    run_suite(pytester, "replay.jsonl")
    # The server-mode job of the matrix: its tests passed, and the log saw no recording.
    header = {"recctl-used": 1, "root": str(root), "rootdir": str(root), "workers": 0}
    passed = {"test": "tests/test_suite.py::test_server", "outcome": "passed", "opened": {}}
    (root / "server.jsonl").write_text(json.dumps(header) + "\n" + json.dumps(passed) + "\n")
    refused = recctl("prune", "--used", "replay.jsonl", "--used", "server.jsonl", "tests", cwd=root)
    assert refused.returncode == 2
    assert "server.jsonl" in refused.stderr and "--allow-empty" in refused.stderr
    allowed = recctl(
        "prune", "--used", "replay.jsonl", "--allow-empty", "server.jsonl", "tests", cwd=root
    )
    assert allowed.returncode == 1, allowed.stderr
    assert "usage log server.jsonl: 1 test, 1 passed, 0 recordings opened" in allowed.stdout


def test_the_start_up_hook_costs_nothing_and_breaks_nothing(tmp_path: Path) -> None:
    """Off, a process only reads one variable; on with a spool it cannot write, or none at
    all, the process runs as ever."""
    script = "import json; print(json.dumps({'ok': 1}))"
    for env in (
        {},
        {"RECCTL_USAGE": str(tmp_path / "missing-spool")},
        {"RECCTL_USAGE": "/proc/nowhere", "RECCTL_USAGE_CURRENT": "/proc/nowhere/current"},
    ):
        run = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", **env},
            check=False,
        )
        assert run.returncode == 0 and run.stdout == '{"ok": 1}\n' and run.stderr == "", env
    off = subprocess.run(
        [sys.executable, "-c", "import sys; print('recctl.usage_child' in sys.modules)"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert off.stdout == "False\n"


def test_a_line_torn_by_a_killed_process_is_left_out(tmp_path: Path) -> None:
    from recctl.usage_child import CHILD_SUFFIX, read_spool

    whole = '{"test": "t.py::test_a", "kind": "open", "path": "/p/recordings/a.json"}\n'
    (tmp_path / f"1-ab{CHILD_SUFFIX}").write_text(whole + '{"test": "t.py::test_b", "ki')
    (tmp_path / f"2-cd{CHILD_SUFFIX}").write_bytes(b"\xff\xfe not json\n")
    assert read_spool(str(tmp_path)) == [json.loads(whole)]
