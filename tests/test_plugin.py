"""The usage plugin (issue 20): a replay run logs what each test opened, and ``prune --used``,
``ls --used`` and ``coverage`` read the log. Driven with pytest's own ``pytester``."""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from recctl.hashing.names import models_digest
from tests import recorder
from tests.conftest import invoke, recctl
from tests.test_check import _base

TOY_CONFTEST = '''
import glob
import json
import subprocess
import sys
import os
from pathlib import Path

from recctl.hashing import SCHEMES, canonical_json, sha256_hex

RECORDINGS = Path(__file__).parent / "tests" / "recordings"


def replay(request, test_id):
    """A toy recorder: the file named by the request's hash, as llama-stack names it."""
    canonical = SCHEMES["4"].canonical({"request": request, "test_id": test_id})
    digest = sha256_hex(canonical_json(canonical))
    if request["endpoint"] == "/v1/models":
        # Listings: every models-<hash>-*.json, found by a glob or by listing the folder.
        if os.environ.get("TOY_LISTDIR"):
            names = [n for n in os.listdir(RECORDINGS) if n.startswith(f"models-{digest}-")]
            files = [str(RECORDINGS / n) for n in sorted(names)]
        else:
            files = sorted(glob.glob(str(RECORDINGS / f"models-{digest}-*.json")))
        return [json.loads(Path(f).read_text()) for f in files]
    path = RECORDINGS / f"{digest}.json"
    with open(path, encoding="utf-8") as file:
        return json.load(file)
'''

TOY_TESTS = """
import json
import subprocess
import sys

from conftest import replay

A, B, C, MODELS = (json.loads(text) for text in {requests!r})


def test_a():
    assert replay(A, "tests/test_toy.py::test_a")["response"]


def test_b():
    replay(B, "tests/test_toy.py::test_b")
    replay(B, "tests/test_toy.py::test_b")


def test_models():
    assert len(replay(MODELS, "tests/test_toy.py::test_models")) == 1


def test_live():
    assert True  # a test that sends nothing replay could answer


def test_fails():
    replay(C, "tests/test_toy.py::test_fails")
    assert False, "the answer changed"
"""


def _request(content: str) -> dict[str, Any]:
    data = _base()
    data["request"]["body"]["messages"][0]["content"] = content
    return data


def _listing() -> dict[str, Any]:
    return recorder.model_listing(["m1"])


@pytest.fixture
def toy(pytester: pytest.Pytester) -> dict[str, Path]:
    """A suite of five tests with a toy recorder; one recording no test opens."""
    root = pytester.path
    (root / "pyproject.toml").write_text('[project]\nname = "toy"\n[tool.recctl]\n')
    directory = root / "tests" / "recordings"
    files: dict[str, Path] = {}
    requests = []
    tests = {"a": "test_a", "b": "test_b", "c": "test_fails", "unused": "test_a"}
    for name, content in (("a", "one"), ("b", "two"), ("c", "three"), ("unused", "four")):
        data = _request(content)
        data["test_id"] = f"tests/test_toy.py::{tests[name]}"
        files[name] = recorder.write(directory, data)
        requests.append(json.dumps(data["request"]))
    listing = _listing()
    digest = models_digest(listing["response"]["body"])
    name = f"models-{recorder.request_hash(listing, '4')}-{digest}.json"
    (directory / name).write_text(json.dumps(listing, indent=2) + "\n")
    files["models"] = directory / name
    (root / "conftest.py").write_text(TOY_CONFTEST)
    toy_requests = (*requests[:3], json.dumps(listing["request"]))
    (root / "tests" / "test_toy.py").write_text(TOY_TESTS.format(requests=toy_requests))
    return files


def _log(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    header, *records = (json.loads(line) for line in path.read_text().splitlines())
    return header, {record["test"]: record for record in records}


def _relative(files: dict[str, Path], name: str, root: Path) -> str:
    return str(files[name].relative_to(root))


def _check_log(log: Path, files: dict[str, Path], root: Path) -> None:
    header, tests = _log(log)
    assert header["recctl-used"] == 1 and header["root"] == str(root)
    node = "tests/test_toy.py::"
    assert set(tests) == {node + "test_" + name for name in ("a", "b", "models", "live", "fails")}
    rel = {name: _relative(files, name, root) for name in files}
    assert tests[node + "test_a"]["opened"] == {rel["a"]: 1}
    assert tests[node + "test_b"]["opened"] == {rel["b"]: 2}
    assert tests[node + "test_models"]["opened"] == {rel["models"]: 1}
    assert tests[node + "test_models"]["globs"] == [rel["models"].rsplit("-", 1)[0] + "-*.json"]
    assert tests[node + "test_live"]["opened"] == {}
    assert tests[node + "test_fails"]["opened"] == {rel["c"]: 1}
    outcomes = {test.split("::")[1]: record["outcome"] for test, record in tests.items()}
    assert outcomes == {
        "test_a": "passed",
        "test_b": "passed",
        "test_models": "passed",
        "test_live": "passed",
        "test_fails": "failed",
    }


def test_the_log_names_exactly_the_files_each_test_opened(
    pytester: pytest.Pytester, toy: dict[str, Path]
) -> None:
    result = pytester.runpytest_subprocess("--recctl-used=used.jsonl", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    _check_log(pytester.path / "used.jsonl", toy, pytester.path)


def test_a_directory_listing_is_logged(pytester: pytest.Pytester, toy: dict[str, Path]) -> None:
    pytester.runpytest_subprocess(
        "--recctl-used=used.jsonl", "-p", "no:cacheprovider", "-k", "models"
    )
    # The glob run above, then the listing variant of the recorder.
    import os

    os.environ["TOY_LISTDIR"] = "1"
    try:
        pytester.runpytest_subprocess(
            "--recctl-used=listed.jsonl", "-p", "no:cacheprovider", "-k", "models"
        )
    finally:
        del os.environ["TOY_LISTDIR"]
    _, tests = _log(pytester.path / "listed.jsonl")
    record = tests["tests/test_toy.py::test_models"]
    assert record["listed"] == ["tests/recordings"] and record["globs"] == []
    assert record["opened"] == {_relative(toy, "models", pytester.path): 1}


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist missing")
def test_the_log_is_the_same_under_xdist(pytester: pytest.Pytester, toy: dict[str, Path]) -> None:
    result = pytester.runpytest_subprocess(
        "--recctl-used=used.jsonl", "-p", "no:cacheprovider", "-n", "2"
    )
    result.assert_outcomes(passed=4, failed=1)
    log = pytester.path / "used.jsonl"
    _check_log(log, toy, pytester.path)
    assert _log(log)[0]["workers"] == 2
    assert not list(pytester.path.glob("*.tmp")) and not list(pytester.path.glob(".recctl-*"))


def test_inactive_unless_asked(pytester: pytest.Pytester, toy: dict[str, Path]) -> None:
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4, failed=1)
    assert not list(pytester.path.glob("*.jsonl"))


def test_prune_ls_and_coverage_read_the_log(
    pytester: pytest.Pytester, toy: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.runpytest_subprocess("--recctl-used=used.jsonl", "-p", "no:cacheprovider")
    root = pytester.path
    monkeypatch.chdir(root)
    plain = invoke(["prune", "-f", "json", "tests"])
    assert plain.exit_code == 0, plain.output  # statically, nothing is stale
    result = invoke(["prune", "--used", "used.jsonl", "-f", "json", "tests"])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    stale = [record for record in records if "path" in record]
    assert {"usage_log": {"log": "used.jsonl", "tests": 5, "passed": 4, "opened": 4}} in records
    assert [(record["path"], record["reason"]) for record in stale] == [
        (_relative(toy, "unused", root), "unused")
    ]
    assert "no test opened it in 1 usage log (5 tests)" in stale[0]["detail"]
    # Several logs (one per configuration), a directory of them or a quoted glob.
    (root / "logs").mkdir()
    (root / "used.jsonl").rename(root / "logs" / "used-a.jsonl")
    for argument in ("logs", "logs/used-*.jsonl"):
        again = invoke(["prune", "--used", argument, "-f", "json", "tests"])
        lines = [json.loads(line) for line in again.stdout.splitlines()]
        assert [line["reason"] for line in lines if "reason" in line] == ["unused"]
    deleted = invoke(["prune", "--used", "logs", "--delete", "--yes", "tests"])
    assert deleted.exit_code == 0, deleted.output
    assert not toy["unused"].exists() and toy["a"].exists() and toy["models"].exists()

    listed = invoke(["ls", "--used", "logs", "-f", "json", "tests"])
    uses = {
        Path(record["path"]).name: record for record in map(json.loads, listed.stdout.splitlines())
    }
    assert uses[toy["b"].name]["opens"] == 2
    assert uses[toy["b"].name]["tests"] == ["tests/test_toy.py::test_b"]
    piped = invoke(["ls", "--used", "logs", "tests"])
    assert f"2\t1\ttests/recordings/{toy['b'].name}\ttests/test_toy.py::test_b" in piped.stdout

    covered = invoke(["coverage", "--used", "logs"])
    assert covered.exit_code == 1
    assert "1 test opened no recording" in covered.stdout
    assert "tests/test_toy.py::test_live" in covered.stdout
    assert f"tests/recordings/{toy['c'].name}" in covered.stdout
    records = [
        json.loads(line)
        for line in invoke(["coverage", "--used", "logs", "-f", "json"]).stdout.splitlines()
    ]
    assert {
        "kind": "no-recording",
        "test": "tests/test_toy.py::test_live",
        "outcome": "passed",
    } in records


def test_logs_that_look_like_a_mistake_are_refused(
    pytester: pytest.Pytester, toy: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = pytester.path
    monkeypatch.chdir(root)
    header = {"recctl-used": 1, "root": str(root), "rootdir": str(root), "workers": 0}
    (root / "empty.jsonl").write_text(json.dumps(header) + "\n")
    refused = invoke(["prune", "--used", "empty.jsonl", "tests"])
    assert refused.exit_code == 2 and "no test ran in it" in refused.stderr
    live = {"test": "tests/test_toy.py::test_a", "outcome": "passed", "opened": {}}
    (root / "live.jsonl").write_text(json.dumps(header) + "\n" + json.dumps(live) + "\n")
    refused = invoke(["prune", "--used", "live.jsonl", "--delete", "--yes", "tests"])
    assert refused.exit_code == 2 and "passed and opened no recording" in refused.stderr
    other = copy.deepcopy(header) | {"root": "/elsewhere/app"}
    elsewhere = {"test": "t.py::test_x", "outcome": "passed", "opened": {"x/recordings/y.json": 1}}
    (root / "other.jsonl").write_text(json.dumps(other) + "\n" + json.dumps(elsewhere) + "\n")
    refused = invoke(["ls", "--used", "other.jsonl", "tests"])
    assert refused.exit_code == 2 and "was written under '/elsewhere/app'" in refused.stderr
    for line in ('{"test": "t", "opened": ["a.json"]}', '{"test": 5}', '{"globs": "*"}'):
        (root / "bad.jsonl").write_text(json.dumps(header) + "\n" + line + "\n")
        refused = invoke(["prune", "--used", "bad.jsonl", "tests"])
        assert refused.exit_code == 2 and "bad.jsonl:2: " in refused.stderr, line
    (root / "junk.jsonl").write_text("not json\n")
    assert invoke(["coverage", "--used", "junk.jsonl"]).exit_code == 2
    assert invoke(["coverage", "--used", "missing.jsonl"]).exit_code == 2
    assert invoke(["coverage"]).exit_code == 2
    assert all(path.exists() for path in toy.values())


def test_ls_used_fits_80_columns_on_a_terminal_from_another_directory(
    pytester: pytest.Pytester, toy: dict[str, Path]
) -> None:
    from tests.test_output import _width, on_terminal

    pytester.runpytest_subprocess("--recctl-used=used.jsonl", "-p", "no:cacheprovider")
    root = pytester.path
    screen = on_terminal(
        ["ls", "--used", f"{root.name}/used.jsonl", f"{root.name}/tests"], root.parent
    )
    lines = screen.splitlines()
    assert lines[0].split()[:3] == ["opens", "tests", "path"]
    assert len(lines) == len(toy) + 2  # a header, a row a file, the total: nothing wraps
    assert max(map(_width, lines)) <= 80
    assert lines[1].split()[:2] == ["0", "0"] and toy["unused"].name[-12:] in lines[1]
    assert lines[-1] == f"{len(toy)} recordings, 1 never opened"


def test_a_run_through_a_symlinked_checkout_logs_what_prune_recognises(
    pytester: pytest.Pytester, toy: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The suite runs through a symlink to the checkout, prune runs from its real path (and
    from another directory): every opened recording survives ``--delete``."""
    root = pytester.path
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    link = elsewhere / "checkout"
    link.symlink_to(root, target_is_directory=True)
    options = ["--recctl-used=checkout/used.jsonl", "--rootdir=checkout", "checkout/tests"]
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *options],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr  # test_fails fails
    _check_log(root / "used.jsonl", toy, root)
    used, tests = f"{root}/used.jsonl", f"{root}/tests"
    deleted = recctl("prune", "--used", used, "--delete", "--yes", tests, cwd=elsewhere)
    assert deleted.returncode == 0, deleted.stderr
    assert not toy["unused"].exists()
    assert all(path.exists() for name, path in toy.items() if name != "unused")


def test_a_log_that_names_files_outside_its_root_is_refused(
    pytester: pytest.Pytester, toy: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = pytester.path
    header = {"recctl-used": 1, "root": str(root), "rootdir": str(root), "workers": 0}
    opened = {"../../etc/passwd": 1, "/etc/shadow": 1}
    record = {"test": "tests/test_toy.py::test_a", "outcome": "passed", "opened": opened}
    (root / "hostile.jsonl").write_text(json.dumps(header) + "\n" + json.dumps(record) + "\n")
    for command in (["prune", "--delete", "--yes"], ["ls"], ["prune"]):
        used, tests = f"{root}/hostile.jsonl", f"{root}/tests"
        refused = recctl(*command, "--used", used, tests, cwd=tmp_path_factory.mktemp("away"))
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "outside the project" in refused.stderr and "Traceback" not in refused.stderr
    assert all(path.exists() for path in toy.values())
