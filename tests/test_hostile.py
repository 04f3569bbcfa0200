"""Hostile recordings, as anyone can put in a pull request, through every read-only command
in every format: nothing reaches the terminal or the CI log that acts on it, nothing from a
file outside the project is shown, no command crashes or hangs.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, invoke, recording_files

OUTSIDE_TEXT = "CONTENT-OF-A-FILE-OUTSIDE-THE-PROJECT"
OSC52 = "\x1b]52;c;SGVsbG8gd29ybGQ=\x07"
TITLE = "\x1b]0;pwned\x07"
INJECTED = "\n::error file=x,line=1::INJECTED"


def base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    return data


def _answer(data: dict[str, Any], text: str) -> None:
    data["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = text


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


def _write(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def _variant(change: Callable[[dict[str, Any]], None], name: str = "a.json") -> Any:
    def make(directory: Path) -> None:
        data = base()
        change(data)
        _write(directory, name, data)

    return make


def _set(*path_and_value: Any) -> Callable[[dict[str, Any]], None]:
    *path, value = path_and_value

    def change(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _raw(name: str, text: str) -> Any:
    def make(directory: Path) -> None:
        (directory / name).write_text(text)

    return make


def _link(name: str, target: Callable[[Path], str]) -> Any:
    def make(directory: Path) -> None:
        (directory / name).symlink_to(target(directory))

    return make


def _fifo(directory: Path) -> None:
    os.mkfifo(directory / "x.json")


def _outside(directory: Path) -> str:
    secret = directory.parent.parent / "credentials.json"
    secret.write_text(json.dumps({"token": OUTSIDE_TEXT}))
    return str(secret)


def _both(*makers: Any) -> Any:
    def make(directory: Path) -> None:
        for maker in makers:
            maker(directory)

    return make


CASES: dict[str, Any] = {
    "osc 52 in the answer": _variant(lambda d: _answer(d, f"hello {OSC52} world")),
    "title sequence in the test id": _variant(_set("test_id", f"tests/t.py::test_x{TITLE}")),
    "bel cr esc in the model": _variant(_set("request", "model", "gpt\x07\r\x1b[2Jx")),
    "annotation in the test id": _variant(_set("test_id", "tests/t.py::test_a" + INJECTED)),
    "annotation in the answer": _variant(
        lambda d: _answer(d, "fine\n::warning file=README.md,line=1::pwned\r\nmore")
    ),
    "annotation in the file name": _variant(lambda d: None, "x\n::error file=x,line=1::N.json"),
    "escape in the file name": _variant(lambda d: None, f"esc{TITLE}.json"),
    "colons start the file name": _variant(lambda d: None, "::error file=y::Z.json"),
    "rich markup in the test id": _variant(_set("test_id", "tests/t.py::test_[/]x[/bogus]")),
    "rich markup in the model": _variant(_set("request", "model", "[bold red]gpt[/]")),
    "parametrized test id": _variant(_set("test_id", "tests/t.py::test_x[client-txt=a:b]")),
    "c1 and bidi controls": _variant(
        _set("test_id", "tests/t.py::test_\x9b31m\u202egnp.exe\u2028x")
    ),
    "broken ipv6 url": _variant(_set("request", "url", "http://[::1:80/x")),
    "a test id that is no string": _variant(_set("test_id", ["tests/t.py", 7])),
    "nested 1000 deep in the answer": _variant(
        lambda d: d["response"]["body"][1]["__data__"].update(deep=_nested(1000))
    ),
    "nested 1000 deep in the request": _variant(_set("request", "body", "deep", _nested(1000))),
    "nested past the parser's limit": _raw("a.json", "[" * 5000 + "]" * 5000),
    "a fifo named x.json": _fifo,
    "a link to /dev/zero": _link("x.json", lambda d: "/dev/zero"),
    "a dangling link": _link("x.json", lambda d: str(d / "nowhere.json")),
    "a link to a directory": _link("x.json", lambda d: str(d.parent)),
    "a looping link": _both(
        _link("x.json", lambda d: str(d / "y.json")), _link("y.json", lambda d: str(d / "x.json"))
    ),
    "a link out of the project": _link("x.json", _outside),
    "a link to the environment": _link("env.json", lambda d: "/proc/self/environ"),
    "a lone surrogate": _raw(
        "a.json",
        json.dumps(base(), indent=2).replace('"Which planet', '"\\ud800 Which planet') + "\n",
    ),
    "not a recording": _raw("a.json", '{"foo": 1}\n'),
    "a 10 MB message": _variant(lambda d: _answer(d, "word " * 2_000_000)),
    "a million bearers": _variant(
        _set("request", "body", "messages", 0, "content", "Bearer " * 1_000_000)
    ),
}

FORMATS: dict[str, tuple[str, ...]] = {
    "validate": ("text", "json", "github"),
    "check": ("text", "json", "github", "sarif"),
    "rehash": ("text", "json", "github"),
    "show": ("text", "json"),
    "ls": ("text", "json"),
    "prune": ("text", "json"),
    "normalize": ("text", "json"),
    "redact": ("text", "json"),
}
EXTRA: list[list[str]] = [
    ["show", "--raw", "recordings"],
    ["show", "--chunks", "recordings"],
    ["ls", "--summary", "--by", "test", "recordings"],
    ["diff", "recordings", "clean"],
    ["diff", "-f", "json", "recordings", "clean"],
    ["hash", "recordings/a.json"],
    ["rehash", "--explain", "recordings/a.json"],
]
# Nothing recctl writes holds these: ESC, BEL, CR, other C0 but newline and tab, C1 controls,
# the separators and bidi overrides a terminal or an editor would act on.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _commands() -> list[tuple[list[str], bool]]:
    commands = [
        ([command, "-f", output, "recordings"], output == "github")
        for command, outputs in FORMATS.items()
        for output in outputs
    ]
    return commands + [(command, False) for command in EXTRA]


def _check_output(label: str, text: str, github: bool) -> None:
    found = FORBIDDEN.search(text)
    assert found is None, (label, repr(text[max(0, found.start() - 40) : found.end() + 40]))
    for line in text.splitlines():
        if github and line.startswith(("::error ", "::warning ")):
            continue  # recctl's own annotations; their messages are escaped
        assert not line.lstrip().startswith("::"), (label, line)
    assert OUTSIDE_TEXT not in text, label
    assert "Traceback" not in text, label


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_recordings_through_every_command(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    recordings = project / "recordings"
    recordings.mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    (project / "clean" / "recordings").mkdir(parents=True)
    _write(project / "clean" / "recordings", "a.json", base())
    CASES[case](recordings)
    monkeypatch.chdir(project)
    started = time.monotonic()
    for command, github in _commands():
        if "recordings/a.json" in command and not os.path.lexists(recordings / "a.json"):
            continue  # the case has no such file to name
        one = time.monotonic()
        result = invoke(command)
        label = f"{case}: recctl {' '.join(command)}"
        assert result.exit_code in (0, 1, 2), (label, result.exit_code, result.output[-300:])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            label,
            repr(result.exception),
        )
        _check_output(label, result.stdout, github)
        _check_output(label + " (stderr)", result.stderr, False)
        assert time.monotonic() - one < 30, (label, time.monotonic() - one)
    assert time.monotonic() - started < 180, case


def test_a_pyproject_of_the_wrong_shape_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "recordings").mkdir()
    _write(tmp_path / "recordings", "a.json", base())
    monkeypatch.chdir(tmp_path)
    for text, message in (
        ("tool = 1\nrecctl = 'x'\n", "tool must be a table"),
        ("[tool]\nrecctl = 3\n", "[tool.recctl] must be a table"),
        ("[tool.recctl]\npaths = 'recordings'\n", "paths must be a list of strings"),
        ("[tool.recctl]\nmax-file-size = 'big'\n", "max-file-size must be a positive integer"),
    ):
        (tmp_path / "pyproject.toml").write_text(text)
        result = invoke(["check"])
        assert result.exit_code == 2, text
        assert message in result.stderr, (text, result.stderr)


def test_ls_prints_every_parametrized_test_id_of_the_corpus_whole(corpus: Path) -> None:
    ids = set()
    for path in recording_files(corpus):
        try:
            test_id = json.loads(path.read_text()).get("test_id")
        except (ValueError, AttributeError):
            continue
        if isinstance(test_id, str) and "[" in test_id:
            ids.add(test_id)
    assert ids
    listing = invoke(["ls", str(corpus)]).stdout
    shown = {line.split("\t")[1] for line in listing.splitlines()}
    assert ids <= shown, sorted(ids - shown)[:3]


def test_an_answer_line_can_never_start_an_annotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "recordings").mkdir()
    data = base()
    _answer(data, "ok\n::warning file=README.md,line=1::pwned")
    _write(tmp_path / "recordings", "a.json", data)
    monkeypatch.chdir(tmp_path)
    shown = invoke(["show", "recordings/a.json"]).stdout
    assert "pwned" in shown  # shown, and made harmless
    assert all(not line.lstrip().startswith("::") for line in shown.splitlines())
    # An escape sequence is shown as text, never sent to the terminal.
    _answer(data, f"hello {OSC52}")
    _write(tmp_path / "recordings", "a.json", data)
    shown = invoke(["show", "recordings/a.json"]).stdout
    assert "\\x1b]52;c;" in shown and "\x1b" not in shown
