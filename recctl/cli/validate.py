"""``recctl validate``."""

import sys
from pathlib import Path

import typer

from recctl.cli._options import (
    ExitZero,
    Format,
    IgnoreMissing,
    Jobs,
    NoCache,
    Paths,
    Quiet,
    Root,
    Schema,
    existing,
    format_name,
    projects,
    result_cache,
)
from recctl.errors import ExitCode


def validate(
    paths: Paths = None,
    output: Format = None,
    schema: Schema = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    ignore_missing: IgnoreMissing = False,
    quiet: Quiet = False,
    exit_zero: ExitZero = False,
    root: Root = None,
) -> None:
    """Check recordings against the JSON schema.

    Reports every error of every file with its path, line and JSON pointer; exits 1 when
    any file is invalid or unreadable.
    """
    from recctl.discovery import find_fixture_names
    from recctl.findings import CheckReport
    from recctl.reporters.findings import REPORTERS
    from recctl.validate import cache_key, validate_paths

    report = CheckReport()
    for found, named in projects(existing(paths, ignore_missing), root):
        settings = found.config
        files = find_fixture_names(named, found, Path.cwd(), "validate")
        chosen = schema or settings.schema
        key = cache_key(chosen, settings.max_file_size, settings.per_path_ignores)
        cache = result_cache(found, "validate", key, no_cache)
        report.merge(
            validate_paths(
                files,
                chosen,
                settings.max_file_size,
                jobs,
                settings.per_path_ignores,
                found.root,
                cache,
            )
        )
    report.quiet = quiet
    REPORTERS[format_name(output)](report, sys.stdout)
    raise typer.Exit(int(ExitCode.FINDINGS if report.findings and not exit_zero else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
