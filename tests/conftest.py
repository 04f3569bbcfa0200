"""Shared fixtures: the CLI runner with a fixed width, hand-made data, and the real corpus."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from recctl.cli import app

pytest_plugins = ["pytester"]

# No run of the suite leaves a result cache behind, least of all in the shared corpus (which
# is read-only): every recctl the tests start, in-process or not, inherits this. The cache's
# own tests turn it back on (RECCTL_NO_CACHE="").
os.environ["RECCTL_NO_CACHE"] = "1"
# Compiled scan patterns are kept in the user's cache folder: the suite keeps its own, and
# removes it when this process ends.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="recctl-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
REPO = TESTS.parent
CORPUS = Path(os.environ.get("RECCTL_CORPUS", REPO.parent / "shared" / "corpus"))

# A fixed width and no colour keep rich and typer output stable across terminals.
CLI_ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "GITHUB_ACTIONS": "false"}


def invoke(
    args: Sequence[str], input: str | None = None, env: dict[str, str] | None = None
) -> Result:
    """Run recctl in-process as a user would, in the current directory."""
    return CliRunner().invoke(
        app, list(args), env={**CLI_ENV, **(env or {})}, input=input, catch_exceptions=True
    )


def recctl(
    *args: str,
    cwd: Path,
    stdin: bytes | None = None,
    timeout: float = 60,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """recctl as a user runs it, in ``cwd``; a hang is a failure, not a stuck suite."""
    completed = subprocess.run(
        [sys.executable, "-m", "recctl", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **(env or {})},
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


@pytest.fixture
def corpus() -> Path:
    """The shared corpus; skipped when absent, except under CI where it must be there."""
    if not CORPUS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared corpus is missing at {CORPUS} and CI=true")
        pytest.skip(f"no shared corpus at {CORPUS}")
    return CORPUS


CHAT_TEST_FILE = "tests/integration/chat/test_chat.py"


def chat(test: str, question: str) -> dict[str, Any]:
    """The hand-made chat stream, as a test of ``CHAT_TEST_FILE`` asking ``question``."""
    data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    data["test_id"] = f"{CHAT_TEST_FILE}::{test}"
    data["request"]["body"]["messages"][0]["content"] = question
    return data


def unnormalize(path: Path, raw_id: str = "chatcmpl-raw") -> Path:
    """A recorded chat stream with the provider's ids left in its chunks, as a recorder that
    did not normalize writes it: a normalization finding, which normalize repairs."""
    data = json.loads(path.read_text())
    for chunk in data["response"]["body"]:
        chunk["__data__"]["id"] = raw_id
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def git(repo: Path, *args: str) -> str:
    """git in ``repo``, as a committer (the test's own identity), checked."""
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


# The VCR.py cassettes of the shared corpus (vcr-*, less the files of other tools that lie
# in its cassette folders) and their interactions.
CASSETTES = 457
CASSETTE_INTERACTIONS = 629


def recording_files(corpus: Path) -> list[Path]:
    """The llama-stack recordings of the corpus: its ``*.json`` under a ``recordings`` folder
    (the corpus also holds JSON fixtures of other tools, in ``cassettes`` folders)."""
    return sorted(path for path in corpus.rglob("*.json") if "recordings" in path.parts)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project directory (with a pyproject.toml) that the test stands in."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def recordings(project: Path) -> Path:
    """``project/recordings`` holding copies of the hand-made recordings."""
    target = project / "recordings"
    shutil.copytree(DATA / "recordings", target)
    return target


def try_hook(repo: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of this checkout's ``hook`` on every file of ``repo``, with
    the real framework in a private home (skipped when pre-commit is not installed)."""
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed")
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(home / "cache"),
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [pre_commit, "try-repo", str(REPO), hook, "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
