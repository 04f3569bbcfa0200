"""prune for VCR.py cassettes: an orphan is a cassette whose test is gone, by
pytest-recording's naming rules; where recctl cannot tell, it says so and flags nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from tests import cassette_kit as kit
from tests.conftest import recctl

CHAT = "https://api.openai.com/v1/chat/completions"


def _stale(root: Path, *args: str) -> list[dict[str, Any]]:
    result = recctl("prune", "-f", "json", *args, cwd=root, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return [record for record in map(json.loads, result.stdout.splitlines()) if "reason" in record]


def _without(module: Path, function: str) -> None:
    """The module less one (decorated) test function, as a developer deletes it."""
    lines = module.read_text().splitlines(keepends=True)
    pattern = re.compile(rf"(async )?def {function}\(")
    definition = next(n for n, line in enumerate(lines) if pattern.match(line))
    start = definition
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    end = definition + 1
    while end < len(lines) and not re.match(r"(@|(async )?def |class )", lines[end]):
        end += 1
    module.write_text("".join(lines[:start] + lines[end:]))


def test_deleting_a_test_flags_exactly_its_cassettes(corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "pydantic-ai"
    shutil.copytree(corpus / "vcr-pydantic-ai-4fda389-sample", root)
    for path in root.rglob("*"):  # the corpus is read-only; a checkout is not
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert _stale(root, "tests") == []  # no cassette of a live test is ever flagged
    models = root / "tests" / "models"
    _without(models / "test_tool_choice_matrix.py", "test_tool_choice_matrix")
    _without(models / "test_anthropic.py", "test_anthropic_advisor_tool_stream")
    flagged = sorted(Path(record["path"]).name for record in _stale(root, "tests"))
    matrix = sorted(
        path.name
        for path in (models / "cassettes" / "test_tool_choice_matrix").glob(
            "test_tool_choice_matrix[[]*.yaml"
        )
        if not path.name.endswith(".xai.yaml")  # another tool's files: no cassettes
    )
    assert len(matrix) == 53
    assert flagged == sorted([*matrix, "test_anthropic_advisor_tool_stream.yaml"])
    records = _stale(root, "tests")
    assert all(record["reason"] == "orphan" for record in records)
    assert any(
        "test_anthropic.py defines no test_anthropic_advisor_tool_stream" in record["detail"]
        for record in records
    )
    deleted = recctl("prune", "--delete", "--yes", "tests", cwd=root, timeout=300)
    assert deleted.returncode == 0, deleted.stderr
    assert not (models / "cassettes" / "test_anthropic" / flagged[0]).exists()
    assert _stale(root, "tests") == []
    assert (models / "cassettes" / "test_tool_choice_matrix").is_dir()


def test_marks_classes_and_moved_cassettes(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tests / "test_api.py").write_text(
        "import pytest\n\n"
        "pytestmark = pytest.mark.vcr\n\n"
        '@pytest.mark.vcr("shared.yaml")\n'
        "def test_named():\n    pass\n\n"
        "class TestPlain:\n    def test_here(self):\n        pass\n\n"
        "class TestChild(Base):\n    pass\n"
    )
    one = [kit.interaction(CHAT, "{}", kit.chat_body("hi"))]
    folder = tests / "cassettes" / "test_api"
    for name in (
        "shared",
        "test_named",
        "TestPlain.test_here",
        "TestPlain.test_gone",
        "TestChild.test_inherited",
        "test_removed[gpt-4o]",
    ):
        kit.write(folder / f"{name}.yaml", one)
    kit.write(tests / "cassettes" / "test_deleted_module" / "test_x.yaml", one)
    flagged = {Path(r["path"]).name: r["detail"] for r in _stale(tmp_path, "tests")}
    assert sorted(flagged) == [
        "TestPlain.test_gone.yaml",
        "test_removed[gpt-4o].yaml",
        "test_x.yaml",
    ]
    assert "tests/test_deleted_module.py does not exist" in flagged["test_x.yaml"]
    text = recctl("prune", "tests", cwd=tmp_path).stdout
    assert "1 cassette not judged (recctl cannot tell their test)" in text
    assert "TestChild in tests/test_api.py may inherit test_inherited" in text
    # A fixture that moves cassettes: recctl cannot tell where they go, and flags none.
    (tests / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef vcr_cassette_dir(request):\n    return 'x'\n"
    )
    assert _stale(tmp_path, "tests") == []
    text = recctl("prune", "tests", cwd=tmp_path).stdout
    assert "tests/conftest.py defines vcr_cassette_dir" in text


def test_a_plain_vcr_cassette_dir_is_followed(tmp_path: Path) -> None:
    """crewAI keeps one flat cassettes folder, set by a plain fixture: each cassette belongs
    to whichever test module under the conftest defines its test."""
    tests = tmp_path / "tests"
    (tests / "agents").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tests / "conftest.py").write_text(
        "from pathlib import Path\n\nimport pytest\n\n\n"
        '@pytest.fixture(scope="module")\n'
        "def vcr_cassette_dir(request):\n"
        '    return str(Path(__file__).parent / "cassettes")\n'
    )
    (tests / "agents" / "test_agent.py").write_text(
        "import pytest\n\n@pytest.mark.vcr\ndef test_agent_runs():\n    pass\n"
    )
    one = [kit.interaction(CHAT, "{}", kit.chat_body("hi"))]
    for name in ("test_agent_runs", "test_agent_runs[gpt-4o]", "test_agent_was_removed"):
        kit.write(tests / "cassettes" / f"{name}.yaml", one)
    flagged = {Path(r["path"]).name: r["detail"] for r in _stale(tmp_path, "tests")}
    assert list(flagged) == ["test_agent_was_removed.yaml"]
    assert (
        "no test module under tests defines test_agent_was_removed"
        in flagged["test_agent_was_removed.yaml"]
    )
    # A fixture that is not plain: recctl cannot tell, and flags nothing.
    (tests / "conftest.py").write_text(
        "import os\n\nimport pytest\n\n\n"
        "@pytest.fixture\ndef vcr_cassette_dir(request):\n"
        "    return os.environ['CASSETTES']\n"
    )
    assert _stale(tmp_path, "tests") == []


def test_one_run_over_both_kinds(tmp_path: Path) -> None:
    """A project with llama-stack recordings and cassettes gets both in one run."""
    from tests.conftest import DATA

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    tests = tmp_path / "tests"
    shutil.copytree(DATA / "recordings", tests / "recordings")
    one = [kit.interaction(CHAT, "{}", kit.chat_body("hi"))]
    # Most cassettes' tests are there (else the root looks wrong and no orphan is said).
    (tests / "test_live.py").write_text("def test_a():\n    pass\n\ndef test_b():\n    pass\n")
    for name in ("test_a", "test_b"):
        kit.write(tests / "cassettes" / "test_live" / f"{name}.yaml", one)
    kit.write(tests / "cassettes" / "test_gone" / "test_x.yaml", one)
    reasons = sorted((Path(r["path"]).name, r["reason"]) for r in _stale(tmp_path, "tests"))
    assert ("test_x.yaml", "orphan") in reasons
    assert any(name.endswith(".json") for name, _ in reasons)
    listed = recctl("ls", "-f", "json", "tests", cwd=tmp_path).stdout.splitlines()
    assert len(listed) == 5
