"""Which files are recordings, and where recctl looks when told nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recctl.discovery import find_fixture_names
from recctl.errors import UsageError
from recctl.project import find_project
from tests.conftest import invoke


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def found(root: Path, *args: str) -> list[str]:
    paths = [Path(p) for p in find_fixture_names(list(args), find_project([], root), root)]
    return [str(path.relative_to(root)) for path in paths]


def test_directories_yield_json_under_a_recordings_directory(project: Path) -> None:
    touch(
        project,
        "tests/integration/ci_matrix.json",
        "tests/integration/inference/recordings/b.json",
        "tests/integration/inference/recordings/a.json",
        "tests/integration/recordings/responses/0123456789ab.json",
        "tests/integration/recordings/responses/notes.txt",
        "tests/integration/inference/test_chat.py",
    )
    assert found(project, "tests/integration") == [
        "tests/integration/inference/recordings/a.json",
        "tests/integration/inference/recordings/b.json",
        "tests/integration/recordings/responses/0123456789ab.json",
    ]


def test_a_file_argument_is_always_taken(project: Path) -> None:
    touch(project, "elsewhere/one.json")
    assert found(project, "elsewhere/one.json") == ["elsewhere/one.json"]


def test_a_path_that_does_not_exist_is_a_usage_error(project: Path) -> None:
    with pytest.raises(UsageError, match=r"^missing.json: no such file or directory$"):
        found(project, "missing.json")


def test_skips_git_virtualenvs_and_node_modules(project: Path) -> None:
    touch(
        project,
        "recordings/a.json",
        "recordings/.git/b.json",
        "recordings/node_modules/c.json",
        "recordings/env/d.json",
        "recordings/env/pyvenv.cfg",
    )
    assert found(project, ".") == ["recordings/a.json"]


def test_defaults_to_configured_paths(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.recctl]\npaths = ["fixtures/recordings"]\n')
    touch(project, "fixtures/recordings/a.json", "recordings/b.json")
    assert found(project) == ["fixtures/recordings/a.json"]


def test_defaults_to_dot_recordings_then_every_recordings_below(project: Path) -> None:
    touch(project, "pkg/tests/recordings/a.json", "other/recordings/b.json")
    assert found(project) == ["other/recordings/b.json", "pkg/tests/recordings/a.json"]
    touch(project, "recordings/c.json")
    assert found(project) == ["recordings/c.json"]


def test_nothing_found_is_a_usage_error(project: Path) -> None:
    with pytest.raises(UsageError, match="no recordings or cassettes found"):
        found(project)
    (project / "empty").mkdir()
    result = invoke(["validate", "empty"])
    assert result.exit_code == 2
    assert "no recordings or cassettes found in empty" in result.stderr


def test_output_paths_are_relative_to_where_the_user_stands(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(project, "a/recordings/x.json")
    (project / "b").mkdir()
    monkeypatch.chdir(project / "b")
    result = invoke(["validate", "--format", "json", "../a"])
    assert result.exit_code == 1
    assert '"path":"../a/recordings/x.json"' in result.stdout


def test_files_come_in_path_order_wherever_the_user_stands(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The order is the files' own (absolute paths): the same report from m/ and from z/.
    touch(project, "m/recordings/b.json", "m/recordings/a.json", "z/recordings/y.json")
    monkeypatch.chdir(project / "m")
    inside = found(project / "m", "recordings")
    assert inside == ["recordings/a.json", "recordings/b.json"]
    result = invoke(["rehash", "--format", "json", "recordings", "../z"])
    shown = [line.split('"path":"')[1].split('"')[0] for line in result.stdout.splitlines()]
    assert shown == ["recordings/a.json", "recordings/b.json", "../z/recordings/y.json"]
    monkeypatch.chdir(project / "z")
    result = invoke(["rehash", "--format", "json", "recordings", "../m"])
    shown = [line.split('"path":"')[1].split('"')[0] for line in result.stdout.splitlines()]
    assert shown == ["../m/recordings/a.json", "../m/recordings/b.json", "recordings/y.json"]


def test_config_is_read_from_the_nearest_pyproject(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text('[tool.recctl]\npaths = ["data/recordings"]\n')
    touch(project, "data/recordings/a.json")
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    result = invoke(["validate", "--format", "json"])
    assert '"path":"../data/recordings/a.json"' in result.stdout


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("pathz = []", "unknown key 'pathz' in [tool.recctl]"),
        ('paths = "recordings"', "paths must be a list of strings"),
        ('paths = ["../outside"]', "points outside the project"),
        ("max-file-size = 0", "max-file-size must be a positive integer"),
        ("schema = 3", "schema must be a string"),
    ],
)
def test_bad_configuration_names_the_key(project: Path, table: str, message: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.recctl]\n{table}\n")
    result = invoke(["validate"])
    assert result.exit_code == 2
    assert message in result.stderr


def test_unreadable_pyproject_is_a_usage_error(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.recctl\n")
    result = invoke(["validate"])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_configured_schema_and_size_limit_apply(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.recctl]\nschema = "s.json"\nmax-file-size = 10\n'
    )
    (project / "s.json").write_text('{"required": ["x"]}')
    touch(project, "recordings/small.json")
    (project / "recordings" / "big.json").write_text('{"x": "0123456789"}')
    result = invoke(["validate", "--format", "json"])
    lines = result.stdout.splitlines()
    assert any("big.json" in line and "over the" in line for line in lines)
    assert any("small.json" in line and '\\"x\\" is a required property' in line for line in lines)


@given(
    st.lists(
        st.sampled_from(["recordings", "cassettes", "a", "..", ".", "", "x.json", "y.yaml"]),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_the_recorder_of_a_path_is_its_folders_wherever_the_run_stands(
    parts: list[str], absolute: bool
) -> None:
    """The answer asked once per folder is the one its whole absolute path gives."""
    import os

    from recctl import recorders

    path = ("/" if absolute else "") + "/".join(parts)
    expected = recorders.owner_of(os.path.abspath(path).split(os.sep))
    assert recorders.in_folder(path) is expected


def test_a_file_is_found_once_whatever_names_it_in_a_walk(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A walk resolves each folder once: a file linked to another in its folder, and a
    folder reached through a link and directly, still give each file once, under the first
    path that names it; the folders with no link give their paths as they are."""
    touch(project, "t/recordings/a.json", "t/recordings/b.json", "u/recordings/c.json")
    (project / "t/recordings/z.json").symlink_to("a.json")
    (project / "v").symlink_to(project / "u", target_is_directory=True)
    assert found(project, "t", "u", "v") == [
        "t/recordings/a.json",
        "t/recordings/b.json",
        "u/recordings/c.json",
    ]
    assert found(project, "v", "u") == ["v/recordings/c.json"]
    monkeypatch.chdir(project / "v")
    result = invoke(["ls", "--summary", ".", "../u", "../t"])
    assert "(total)\t3\t" in result.output, result.output  # three files, each once
