"""``recctl fix``: the fixing hook."""

import sys
from pathlib import Path

import typer

from recctl.cli._options import (
    ChangeFormat,
    ChangeFormatOption,
    IgnoreMissing,
    Jobs,
    Paths,
    Root,
    Scheme,
    Write,
    existing,
    project,
    stop_if_interrupted,
    writing,
)
from recctl.errors import ExitCode


def fix(
    paths: Paths = None,
    write: Write = False,
    scheme: Scheme = None,
    output: ChangeFormatOption = ChangeFormat.text,
    jobs: Jobs = None,
    ignore_missing: IgnoreMissing = False,
    root: Root = None,
) -> None:
    """Apply every safe fix: normalize, rename, redact.

    Normalizes ids and timestamps, renames outdated files, and redacts secrets: a
    secret outside the hashed request becomes <redacted:KIND>; one inside it, and names
    no scheme gives, are left for recctl check to report. A dry run unless --write.

    Exits 1 when it changed a file (or, on a dry run, would), as pre-commit's fixers do, so
    that the commit stops for a review of the changes.
    """
    from recctl.discovery import find_fixture_names
    from recctl.fix import fix_paths
    from recctl.hashing import get_scheme
    from recctl.reporters.changes import FIX_REPORTERS

    paths = existing(paths, ignore_missing)
    found = project(paths, root)
    files = find_fixture_names(paths or [], found, Path.cwd(), "fix")
    target = get_scheme(scheme or found.config.hash_scheme)
    with writing(files, write) as stop:
        report = fix_paths(files, found, target, jobs, write, stop)
    FIX_REPORTERS[output.value](report, sys.stdout)
    stop_if_interrupted(stop)
    raise typer.Exit(int(ExitCode.FINDINGS if report.changed or report.failed else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("fix")(fix)
