"""``recctl diff``."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from recctl.cli._options import Root, project
from recctl.cli.show import ViewFormat, ViewFormatOption
from recctl.errors import ExitCode


def diff(
    arguments: Annotated[
        list[str] | None,
        typer.Argument(
            help="OLD NEW (files or directories), REV1 REV2, or REV (against the work tree), "
            "then optionally -- PATHS to limit a git diff.",
            show_default=False,
        ),
    ] = None,
    staged: Annotated[
        bool, typer.Option("--staged", help="Compare HEAD with what is about to be committed.")
    ] = False,
    stat: Annotated[bool, typer.Option("--stat", help="Counts per status only.")] = False,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 1 when anything changed beyond recorder noise."),
    ] = False,
    output: ViewFormatOption = ViewFormat.text,
    root: Root = None,
) -> None:
    """Review what changed between two versions.

    Counts per status first, then the changed pairs, most meaningful first. Exits 0 whatever
    the differences, like git diff, unless --exit-code.
    """
    from recctl import diff as core
    from recctl.reporters import write_json_lines
    from recctl.reporters.diff import render_text, render_unreadable

    cwd = Path.cwd()
    named = [arg for arg in (arguments or []) if arg != "--" and os.path.lexists(cwd / arg)]
    settings = project(named[:2], root).config
    noise = settings.diff_noise if settings.diff_noise is not None else core.DEFAULT_NOISE
    report = core.diff(arguments or [], staged, noise, cwd)
    pairs = report.pairs
    if output is ViewFormat.json:
        write_json_lines((pair.record() for pair in pairs), sys.stdout)
    else:
        render_text(pairs, stat, sys.stdout)
    render_unreadable(report.unreadable, sys.stderr)
    meaningful = any(pair.meaningful for pair in pairs)
    failed = bool(report.unreadable) or (exit_code and meaningful)
    raise typer.Exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
