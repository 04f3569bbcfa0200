"""Nothing lost, nothing trusted that a pull request wrote: every writer and every file recctl
reads from a checkout, attacked as a pull request or a careless user would.

Each test drives recctl as a subprocess, standing outside the project, as a user of a
checkout does (``cd ~ && recctl prune work/project/...``).
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests import recorder
from tests.conftest import DATA, recctl

TEST_FILE = "tests/integration/chat/test_chat.py"


def no_traceback(completed: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in completed.stderr, completed.stderr


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def chat(test: str, question: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    data["test_id"] = f"{TEST_FILE}::{test}"
    data["request"]["body"]["messages"][0]["content"] = question
    return data


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
