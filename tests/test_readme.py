"""The README and ``--help`` agree: every command and option is documented in both."""

from __future__ import annotations

import re

import typer.main

from recctl.cli import app
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, list[str]]:
    group = typer.main.get_command(app)
    commands = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        options = [
            option
            for param in command.params
            for option in param.opts
            if option.startswith("--") and option != "--help"
        ]
        commands[name] = options
    return commands


def test_every_command_is_in_the_readme() -> None:
    for name in _commands():
        assert f"`recctl {name}" in README, name


def test_every_option_is_in_the_readme_under_its_command() -> None:
    for name, options in _commands().items():
        section = README.split(f"### `recctl {name}", 1)
        assert options == [] or len(section) == 2, f"no README section for {name}"
        body = section[-1].split("\n### ", 1)[0]
        for option in options:
            assert f"`{option}" in body, f"{name} {option}"


def test_every_command_in_the_readme_exists() -> None:
    mentioned = set(re.findall(r"`recctl ([a-z]+)", README))
    assert mentioned <= set(_commands()) | {"--help", "--version"}, mentioned - set(_commands())


def test_quickstart_is_two_command_lines_and_ci_runs_the_test_line() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quickstart, re.S)
    assert len(blocks) == 2
    assert all(len(block.strip().splitlines()) == 1 for block in blocks)
    install_and_run, install_and_test = (block.strip() for block in blocks)
    assert install_and_run.endswith("recctl validate")
    assert "[test]" in install_and_test
    assert install_and_test in (REPO / ".ci" / "run").read_text()


def test_root_options_are_documented() -> None:
    assert "`recctl --version`" in README


def test_shell_completion_is_offered_and_documented() -> None:
    from tests.conftest import invoke

    shown = invoke(["--show-completion"], env={"SHELL": "/bin/bash"})
    assert shown.exit_code == 0
    assert "recctl" in shown.stdout and "complete" in shown.stdout
    assert "`recctl --install-completion`" in README


def test_the_pre_commit_snippet_names_a_revision_that_exists() -> None:
    import subprocess

    snippet = README.split("### pre-commit", 1)[1].split("```", 2)[1]
    revision = re.search(r"rev: (\S+)", snippet)
    assert revision is not None
    known = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", revision.group(1)],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert known.returncode == 0, f"rev {revision.group(1)} does not exist"


def test_help_placeholders_are_the_readme_s() -> None:
    """An option's value is called the same in --help and in the README (`--jobs N`, `--root
    DIR`), never `<int range>` or `<str>`."""
    from typer.core import TyperOption

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        body = README.split(f"### `recctl {name}", 1)[-1].split("\n### ", 1)[0]
        for param in command.params:
            if not isinstance(param, TyperOption) or param.is_flag or param.name == "help":
                continue
            if getattr(param.type, "choices", None):
                continue  # shown as <a|b>, in the README as a\|b
            metavar = param.metavar
            assert metavar is not None and metavar.upper() == metavar, (name, param.opts)
            long = next(option for option in param.opts if option.startswith("--"))
            shown = metavar.replace("|", "\\|")
            forms = [f"`{long} {shown}`"] + [
                f"`{long}`, `{short}` `{shown}`" for short in param.opts if short != long
            ]
            assert any(form in body for form in forms), (name, long, metavar)


def test_the_validate_example_is_what_validate_prints_here() -> None:
    """The README's first console example is the bundled samples' real output."""
    import subprocess
    import sys

    example = README.split("```console\n$ recctl validate\n", 1)[1].split("\n", 1)[0]
    shown = subprocess.run(
        [sys.executable, "-m", "recctl", "validate"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "RECCTL_NO_CACHE": "1"},
    )
    assert shown.stdout.splitlines()[0] == example
