"""A maintainer's first hour: the README's pre-commit pair, advice that converges, one set of
counts, diffs a reviewer can trust, a good command-line citizen."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import recorder
from tests.conftest import DATA, REPO

TEST_FILE = "tests/integration/chat/test_chat.py"


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


def shadow_commit(target: Path) -> str:
    """This working tree (tracked and untracked files) committed in a repository of its own:
    what pre-commit installs, as ``try-repo`` does, so the test sees uncommitted work too."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-qm", "shadow")
    return git(target, "rev-parse", "HEAD").strip()


def readme_pre_commit_snippet() -> str:
    """The ``.pre-commit-config.yaml`` the README shows, as it is written there."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### pre-commit") :]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


@pytest.mark.slow
def test_the_readme_pre_commit_pair_fixes_then_passes(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed")
    shadow = tmp_path / "recctl"
    rev = shadow_commit(shadow)
    snippet = readme_pre_commit_snippet()
    assert "recctl-fix" in snippet and "recctl-check" in snippet
    config = re.sub(r"repo: \S+", f"repo: {shadow}", snippet)
    config = re.sub(r"rev: \S+", f"rev: {rev}", config)

    project = tmp_path / "project"
    recordings = project / "tests/integration/chat/recordings"
    (project / TEST_FILE).parent.mkdir(parents=True)
    (project / TEST_FILE).write_text("def test_a():\n    pass\n\n\ndef test_b():\n    pass\n")
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (project / ".pre-commit-config.yaml").write_text(config)
    recorder.write(recordings, chat("test_a", "current"))
    outdated = chat("test_b", "older")
    outdated["request"]["body"]["temperature"] = 0.1234567  # schemes 2 and 4 round it apart
    old = recorder.write(recordings, outdated, scheme="2")
    git(project, "init", "-q")
    git(project, "add", "-A")
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "run"], cwd=project, capture_output=True, text=True, env=env, check=False
        )

    first = run()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert not old.exists()  # renamed
    assert "no such file" not in first.stdout and "exit code: 2" not in first.stdout
    assert re.search(r"recctl check\.+Passed", first.stdout), first.stdout
    git(project, "add", "-A")
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr
