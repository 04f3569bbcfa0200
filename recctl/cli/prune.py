"""``recctl prune``."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from recctl.cli._options import Paths, Scheme, config, stop_if_interrupted, writing
from recctl.cli.show import ViewFormat, ViewFormatOption
from recctl.errors import ExitCode, UsageError


def prune(
    paths: Paths = None,
    delete: Annotated[
        bool, typer.Option("--delete", help="Delete the stale files (default: a dry run).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before deleting.")] = False,
    tests: Annotated[
        Path | None,
        typer.Option(
            "--tests",
            help="Node ids that exist, one a line (pytest --collect-only -q).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    collect: Annotated[
        str | None,
        typer.Option(
            "--collect",
            help='Run "pytest --collect-only -q ARGS" for the node ids that exist.',
            show_default=False,
        ),
    ] = None,
    variants: Annotated[
        bool,
        typer.Option("--variants", help="Also report drifting variants of one test's request."),
    ] = False,
    scheme: Scheme = None,
    output: ViewFormatOption = ViewFormat.text,
) -> None:
    """Find and delete stale recordings.

    Reasons: orphan, unreachable, misplaced, duplicate.

    A dry run unless --delete; on a terminal it asks first, unless --yes. Deletion removes
    exactly the files listed, each only if it is unchanged since it was read.
    """
    from recctl import prune as core
    from recctl.discovery import find_recordings
    from recctl.hashing import get_scheme
    from recctl.show_reporters import human_size, write_json_lines

    settings = config()
    cwd = Path.cwd()
    if tests is not None and collect is not None:
        raise UsageError("give --tests or --collect, not both")
    root = core.project_root(cwd)
    collected = None
    if tests is not None:
        collected = core.read_node_ids(tests)
    elif collect is not None:
        collected = core.collect_node_ids(collect, root)
    files = find_recordings(paths or [], settings, cwd)
    target = get_scheme(scheme or settings.hash_scheme)
    report = core.find_stale(files, target, root, cwd, settings.max_file_size, collected)
    if output is ViewFormat.json:
        write_json_lines((stale.record() for stale in report.stale), sys.stdout)
        if variants:
            write_json_lines(({"variants": v.record()} for v in report.variants), sys.stdout)
    else:
        for stale in report.stale:
            typer.echo(f"{stale.reason:<12} {stale.path}\n{'':<13}{stale.detail}")
        size = sum(stale.size for stale in report.stale)
        typer.echo(f"{len(report.stale)} stale recordings, {human_size(size)}")
        if report.outdated:
            typer.echo(
                f"{report.outdated} outdated recordings are not stale: recctl rehash --write"
            )
        if variants:
            for variant in report.variants:
                typer.echo(f"variants of {variant.test_id} ({variant.endpoint}):")
                for path in variant.paths:
                    typer.echo(f"  {path}")
    if delete and report.stale:
        asked = not yes and sys.stdin.isatty()
        if asked and not typer.confirm(f"Delete these {len(report.stale)} files?", err=True):
            raise typer.Exit(int(ExitCode.FINDINGS))
        with writing(files) as stop:
            core.delete(report, cwd, stop)
        removed = sum(stale.size for stale in report.deleted)
        typer.echo(f"deleted {len(report.deleted)} files, {human_size(removed)}", err=True)
        for stale, why in report.failed:
            typer.echo(f"not deleted: {stale.path}: {why}", err=True)
        stop_if_interrupted(stop)
        raise typer.Exit(int(ExitCode.FINDINGS if report.failed else ExitCode.OK))
    raise typer.Exit(int(ExitCode.FINDINGS if report.stale else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("prune")(prune)
