"""``recctl diff``."""

import enum
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from recctl.cli._options import Root, project, step_summary
from recctl.errors import ExitCode


class DiffFormat(str, enum.Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def diff(
    arguments: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="OLD NEW",
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
    output: Annotated[
        DiffFormat,
        typer.Option(
            "--format",
            "-f",
            help="text for people, json for JSON lines, markdown for a pull-request comment "
            "(also appended to $GITHUB_STEP_SUMMARY under GitHub Actions).",
        ),
    ] = DiffFormat.text,
    root: Root = None,
) -> None:
    """Review what changed between two versions.

    Counts per status first, then the changed pairs, most meaningful first. Exits 0 whatever
    the differences, like git diff, unless --exit-code.
    """
    from recctl import diff as core
    from recctl.discovery import refuse_other_files
    from recctl.reporters import write_json_lines
    from recctl.reporters.diff import (
        markdown_report,
        pair_line_writer,
        render_text,
        render_unreadable,
    )

    cwd = Path.cwd()
    named = [arg for arg in (arguments or []) if arg != "--" and os.path.lexists(cwd / arg)]
    refuse_other_files(named, cwd, "diff")
    settings = project(named[:2], root).config
    noise = settings.diff_noise if settings.diff_noise is not None else core.DEFAULT_NOISE
    streamed = pair_line_writer(sys.stdout) if output is DiffFormat.json else None
    report = core.diff(arguments or [], staged, noise, cwd, streamed, target=settings.hash_scheme)
    pairs = report.pairs
    if output is DiffFormat.json:
        write_json_lines((pair.record() for pair in pairs), sys.stdout)
    elif output is DiffFormat.markdown:
        sys.stdout.write(markdown_report(report, stat))
    else:
        render_text(report, stat, sys.stdout)
    render_unreadable(report.unreadable, sys.stderr)
    step_summary(lambda: markdown_report(report, stat))
    meaningful = any(pair.meaningful for pair in pairs)
    failed = bool(report.unreadable) or (exit_code and meaningful)
    raise typer.Exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
