"""The command skeleton: help, version, exit codes, and no traceback for bad input."""

from __future__ import annotations

import inspect
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from recctl import __version__
from recctl.findings import CheckReport, FileResult, Finding
from recctl.reporters.findings import render_text
from tests.conftest import invoke

COMMANDS = [
    "validate",
    "rehash",
    "hash",
    "show",
    "ls",
    "diff",
    "prune",
    "check",
    "normalize",
    "redact",
]


def test_help_lists_every_command_with_its_help() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f" {command} " in result.stdout, command
    assert "Check recordings against the JSON schema" in result.stdout


def test_no_arguments_shows_help() -> None:
    result = invoke([])
    assert "Usage: recctl" in result.output


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"recctl {__version__}"


@pytest.mark.parametrize(
    "args",
    [["nonsense"], ["validate", "--format", "xml"], ["validate", "--jobs", "0"], ["--bogus"]],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_interrupt_exits_130(recordings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("recctl.validate.validate_paths", interrupted)
    assert invoke(["validate"]).exit_code == 130


def test_python_dash_m_runs_the_same_cli(recordings: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "recctl", "validate"],
        capture_output=True,
        text=True,
        check=False,
        env={"NO_COLOR": "1"},
    )
    assert completed.returncode == 0, completed.stderr
    assert "✓ 2 recordings valid" in completed.stdout


def test_checking_one_file_leaves_the_heavy_modules_unimported(recordings: Path) -> None:
    # What a pre-commit hook runs on every commit: deepdiff (diff) and the pure-Python
    # schema oracle are imported only by the commands that need them. The hand-made file's
    # name is no request hash: every check runs, and a finding is reported (exit 1).
    one = sorted(recordings.rglob("*.json"))[0]
    probe = (
        "import sys\n"
        "from recctl.cli import main\n"
        f"sys.argv = ['recctl', 'check', {str(one)!r}]\n"
        "code = main()\n"
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'deepdiff', 'jsonschema'}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert completed.stdout.splitlines()[-1] == "1 []", completed.stderr


def test_a_run_imports_only_what_its_command_uses(recordings: Path, tmp_path: Path) -> None:
    """``--version`` answers before typer loads; a command builds only itself, and a check of
    one file imports no other command, no reporter library and no scan engine."""
    one = sorted(recordings.rglob("*.json"))[0]
    probe = (
        "import sys\n"
        "from recctl.entry import main\n"
        "sys.argv = ['recctl', *sys.argv[1:]]\n"
        "code = main()\n"
        "sys.stdout.flush()\n"
        "names = {m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'hyperscan')}\n"
        "commands = {m for m in sys.modules if m.startswith('recctl.cli.')}\n"
        "commands.discard('recctl.cli._options')\n"
        "print(code, sorted({m.split('.')[0] for m in names}), sorted(commands))\n"
    )

    def run(*args: str) -> list[str]:
        completed = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        return completed.stdout.splitlines()

    version = run("--version")
    assert version == [f"recctl {__version__}", "0 [] []"]
    assert run("check", str(one))[-1] == "1 ['typer'] ['recctl.cli.check']"
    help_lines = run("--help")
    assert help_lines[-1].startswith("0 ['typer'] ['recctl.cli.check', 'recctl.cli.coverage'")
    assert sum(line.startswith("  ls ") for line in help_lines) == 1


def test_the_command_map_names_the_module_of_every_command() -> None:
    """A run builds only its command from ``COMMAND_MODULES``: every command is in it, and
    the module it names registers that command."""
    from recctl.cli import COMMAND_MODULES, app, build

    every = {info.name for info in app.registered_commands}
    assert every == set(COMMAND_MODULES)
    for command in COMMAND_MODULES:
        assert command in {info.name for info in build(command).registered_commands}


def test_commands_carry_evaluated_annotations() -> None:
    # typer reads every command's signature at start-up; string annotations (from
    # `from __future__ import annotations`) would make it compile and eval each one,
    # which doubled the time to build the commands.
    from recctl.cli import app

    callbacks = [info.callback for info in app.registered_commands]
    callbacks.append(app.registered_callback.callback if app.registered_callback else None)
    for callback in callbacks:
        assert callback is not None
        annotations = inspect.get_annotations(callback)
        strings = {name: hint for name, hint in annotations.items() if isinstance(hint, str)}
        assert not strings, f"{callback.__qualname__}: {strings}"


def test_console_script_main_returns_exit_codes(
    recordings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recctl.cli import main

    monkeypatch.setattr(sys, "argv", ["recctl", "show", "--bogus"])
    assert main() == 2
    monkeypatch.setattr(sys, "argv", ["recctl", "validate"])
    assert main() == 0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("no_color", "styled"), [("", True), ("1", False)])
def test_text_reports_are_coloured_on_a_terminal_unless_no_color(
    monkeypatch: pytest.MonkeyPatch, no_color: str, styled: bool
) -> None:
    monkeypatch.setenv("NO_COLOR", no_color)
    finding = Finding("a.json", 3, None, "/x", "schema", "bad")
    report = CheckReport([FileResult("a.json", [finding])], total=2)
    for out in (_Terminal(), io.StringIO()):
        render_text(report, out)
        assert ("\x1b[" in out.getvalue()) is (styled and out.isatty())
        assert "a.json:3: /x: bad [schema]" in re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())


def test_the_secret_check_alone_leaves_the_other_checks_unimported(
    recordings: Path, tmp_path: Path
) -> None:
    """A pre-commit hook of the secret check alone reads bytes: no schema engine, no hash
    check, no normalizer is imported, and the scan still finds the key."""
    folder = tmp_path / "hook" / "recordings"
    folder.mkdir(parents=True)
    one = sorted(recordings.rglob("*.json"))[0]
    planted = folder / one.name
    planted.write_text(
        one.read_text().replace('"model"', '"api_key": "sk-proj-' + "a1B2" * 8 + '", "model"', 1)
    )
    probe = (
        "import sys\n"
        "from recctl.entry import main\n"
        "sys.argv = ['recctl', 'check', '--select', 'secret', sys.argv[1]]\n"
        "code = main()\n"
        "sys.stdout.flush()\n"
        "heavy = {'jsonschema_rs', 'recctl.verdicts', 'recctl.rehash', 'recctl.normalize'}\n"
        "print(code, sorted(heavy & set(sys.modules)))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, str(planted)], capture_output=True, text=True, check=False
    )
    lines = completed.stdout.splitlines()
    assert lines[-1] == "1 []", completed.stdout + completed.stderr
    assert any("[secret]" in line for line in lines), lines
