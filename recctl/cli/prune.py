"""``recctl prune``."""

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from recctl.cli._options import (
    AllowEmpty,
    Jobs,
    Paths,
    Root,
    Scheme,
    Used,
    project,
    stop_if_interrupted,
    usage_logs,
    writing,
)
from recctl.errors import ExitCode, UsageError


class PruneFormat(str, enum.Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def prune(
    paths: Paths = None,
    delete: Annotated[
        bool, typer.Option("--delete", help="Delete the stale files (default: a dry run).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before deleting.")] = False,
    interactions: Annotated[
        bool,
        typer.Option(
            "--interactions",
            help="With --delete and --used: also rewrite each cassette without the "
            "interactions no test played.",
        ),
    ] = False,
    tests: Annotated[
        Path | None,
        typer.Option(
            "--tests",
            metavar="FILE",
            help="Node ids that exist, one a line (pytest --collect-only -q).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    collect: Annotated[
        str | None,
        typer.Option(
            "--collect",
            metavar="ARGS",
            help='Run "pytest --collect-only -q ARGS" for the node ids that exist.',
            show_default=False,
        ),
    ] = None,
    variants: Annotated[
        bool,
        typer.Option("--variants", help="Also report drifting variants of one test's request."),
    ] = False,
    used: Used = None,
    allow_empty: AllowEmpty = None,
    scheme: Scheme = None,
    jobs: Jobs = None,
    output: Annotated[
        PruneFormat,
        typer.Option(
            "--format",
            "-f",
            help="text for people, json for JSON lines, markdown for a pull-request comment.",
        ),
    ] = PruneFormat.text,
    root: Root = None,
) -> None:
    """Find and delete stale recordings.

    Reasons: orphan, unreachable, misplaced, duplicate; with --used, unused: no replay run
    opened it, and unplayed: an interaction of a cassette no test played (removed with
    --interactions).

    A dry run unless --delete; it asks first, unless --yes (without a terminal, --delete
    needs --yes). Deletion removes exactly the files listed, each only if it is unchanged
    since it was read. When most test files are missing under the root, orphan verdicts are
    withheld and no orphan is deleted.
    """
    from recctl import prune as core
    from recctl.discovery import find_fixture_names
    from recctl.hashing import get_scheme
    from recctl.reporters.prune import REPORTERS, render_deletion

    if tests is not None and collect is not None:
        raise UsageError("give --tests or --collect, not both")
    if delete and not yes and not sys.stdin.isatty():
        raise UsageError("prune --delete without a terminal to ask on needs --yes")
    found = project(paths, root)
    settings = found.config
    collected = None
    if tests is not None:
        collected = core.read_node_ids(tests)
    elif collect is not None:
        collected = core.collect_node_ids(collect, found.root)
    files = find_fixture_names(paths or [], found, Path.cwd(), "prune")
    target = get_scheme(scheme or settings.hash_scheme)
    if allow_empty and not used:
        raise UsageError("--allow-empty goes with --used")
    if interactions and not (delete and used):
        raise UsageError("--interactions goes with --delete and --used")
    logs = usage_logs(used, found, allow_empty) if used else None
    report = core.find_stale(
        files,
        target,
        found,
        settings.max_file_size,
        collected,
        variants=variants,
        used=logs,
        jobs=jobs,
        digests=delete,
    )
    REPORTERS[output.value](report, sys.stdout, variants)
    unreadable = bool(report.unreadable)
    if delete and report.stale:
        if not yes and not typer.confirm(f"Delete these {len(report.stale)} files?", err=True):
            raise typer.Exit(int(ExitCode.FINDINGS))
        with writing([Path(stale.path) for stale in report.stale]) as stop:
            core.delete(report, found.root, stop, interactions, settings.max_file_size)
        render_deletion(report, sys.stderr)
        stop_if_interrupted(stop)
        raise typer.Exit(int(ExitCode.FINDINGS if report.failed or unreadable else ExitCode.OK))
    raise typer.Exit(int(ExitCode.FINDINGS if report.stale or unreadable else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("prune")(prune)
