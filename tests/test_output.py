"""Output people can read: at 80 columns on a terminal, and whole in a pipe."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CASSETTES, CLI_ENV, DATA, invoke, recording_files

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def on_terminal(args: list[str], cwd: Path, columns: int = 80) -> str:
    """What recctl prints on a terminal ``columns`` wide (a pseudo-terminal)."""
    controller, terminal = os.openpty()
    env = {**os.environ, **CLI_ENV, "COLUMNS": str(columns), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "recctl", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(controller)
    return ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r", "")


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def test_ls_fits_80_columns_on_a_terminal(corpus: Path) -> None:
    folder = corpus / "llama-stack-1394403" / "tests" / "integration" / "inference"
    screen = on_terminal(["ls", str(folder)], corpus)
    lines = screen.splitlines()
    files = len(list(folder.rglob("*.json")))
    assert len(lines) == files + 2  # a header, a row a file, the total: nothing wraps
    assert max(map(_width, lines)) <= 80
    assert lines[0].split() == [
        "hash",
        "test",
        "endpoint",
        "model",
        "str.",
        "calls",
        "size",
        "tokens",
    ]
    # A long id is cut in the middle, its two ends kept.
    assert any("…" in line and line.split()[1].endswith("]") for line in lines[1:-1])


def test_ls_in_a_pipe_is_one_whole_line_per_recording(corpus: Path) -> None:
    header, *listing = invoke(["ls", str(corpus)]).stdout.splitlines()
    assert header.split("\t") == [
        "hash",
        "test",
        "endpoint",
        "model",
        "stream",
        "calls",
        "size",
        "tokens",
    ]
    assert len(listing) == len(recording_files(corpus)) + CASSETTES
    # Sizes are bytes, which sort -n sorts.
    assert all(line.split("\t")[6].isdigit() for line in listing)
    # The issue's own case: recctl ls | grep llama-guard3:1b | wc -l found 0 of 853.
    model = "llama-guard3:1b"
    grepped = [line for line in listing if model in line]
    as_json = invoke(["ls", "--model", model, "-f", "json", str(corpus)]).stdout.splitlines()
    assert grepped and len(grepped) == len(as_json)
    # And for every model: cut -f4 counts what --model selects (a cassette's cell lists
    # the models of its interactions).
    models = [line.split("\t")[3].split(", ") for line in listing]
    every = sorted({model for cell in models for model in cell} - {"-"})
    shared = sorted({model for cell in models if len(cell) > 1 for model in cell})
    # Each run reads the whole corpus: a few models that share a row, and a few others.
    for name in sorted({*shared[:3], *every[::20]}):
        selected = invoke(["ls", "--model", name, "-f", "json", str(corpus)]).stdout
        assert sum(name in cell for cell in models) == len(selected.splitlines()), name
    test_ids = {json.loads(line)["test_id"] or "-" for line in as_json}
    assert test_ids <= {line.split("\t")[1] for line in grepped}


def test_show_in_a_pipe_cuts_no_line(corpus: Path) -> None:
    path = next(corpus.rglob("006b19*.json"))
    shown = invoke(["show", str(path)], env={"COLUMNS": "80"}).stdout
    test_id = json.loads(path.read_text())["test_id"]
    assert f"test     {test_id}" in shown.splitlines()
    assert str(path.name) in shown
    chunks = invoke(["show", "--chunks", str(path)], env={"COLUMNS": "80"}).stdout
    assert "…" not in chunks and chunks.count("\n") == 156  # a whole line a chunk


def test_show_and_summary_at_80_columns(corpus: Path) -> None:
    folder = corpus / "llama-stack-1394403" / "tests" / "integration" / "inference"
    summary = on_terminal(["ls", "--summary", str(folder)], corpus).splitlines()
    assert summary[-1].split()[0] == "(total)"
    assert max(map(_width, summary)) <= 80


def test_show_prints_long_tool_arguments_whole_in_a_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = json.loads((DATA / "formats" / "chat-tool-calls-fragments.json").read_text())
    data = case["recording"]
    long_value = "needle-" + "x" * 150
    arguments = json.dumps({"q": long_value})
    for chunk in data["response"]["body"]:
        for choice in chunk["__data__"]["choices"]:
            for call in (choice.get("delta") or {}).get("tool_calls") or []:
                function = call.get("function") or {}
                if "arguments" in function:
                    # The first fragment of each call holds the whole (valid) JSON.
                    function["arguments"], arguments = arguments, ""
    (tmp_path / "recordings").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "recordings" / "a.json").write_text(json.dumps(data, indent=2))
    monkeypatch.chdir(tmp_path)
    shown = invoke(["show", "recordings/a.json"], env={"COLUMNS": "80"}).stdout
    assert long_value in shown


@given(
    st.lists(
        st.sampled_from(["a", ":b", "::error x", "..", ".", "", "rec.json", "é", " "]),
        max_size=4,
    ).map("/".join),
    st.sampled_from(["/work/p", "/work/p/", "/"]),
)
@settings(max_examples=300, deadline=None)
def test_a_report_shows_a_path_as_display_path_does(tail: str, cwd: str) -> None:
    """A report's paths are cut below where the user stands without asking ``display_path``
    each time; what it shows is what ``display_path`` would, a name that starts with a
    colon (a CI log command) included."""
    from recctl.discovery import display_path
    from recctl.reporters import Display

    path = cwd.rstrip("/") + "/" + tail
    assert Display(Path(cwd))(path) == display_path(path, Path(cwd))
    assert Display(Path(cwd))(Path(path)) == display_path(Path(path), Path(cwd))
