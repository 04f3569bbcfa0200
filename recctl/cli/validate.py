"""``recctl validate``."""

import sys
from pathlib import Path

import typer

from recctl.cli._options import Format, Jobs, Paths, Root, Schema, format_name, projects
from recctl.errors import ExitCode


def validate(
    paths: Paths = None,
    output: Format = None,
    schema: Schema = None,
    jobs: Jobs = None,
    root: Root = None,
) -> None:
    """Check recordings against the JSON schema.

    Reports every error of every file with its path, line and JSON pointer; exits 1 when
    any file is invalid or unreadable.
    """
    from recctl.discovery import find_recording_names
    from recctl.findings import CheckReport
    from recctl.reporters.findings import REPORTERS
    from recctl.schema import SchemaValidator
    from recctl.validate import validate_paths

    report = CheckReport()
    for found, named in projects(paths, root):
        settings = found.config
        files = find_recording_names(named, found, Path.cwd())
        validator = SchemaValidator.from_path(schema or settings.schema)
        report.merge(
            validate_paths(
                files,
                validator,
                settings.max_file_size,
                jobs,
                settings.per_path_ignores,
                found.root,
            )
        )
    REPORTERS[format_name(output)](report, sys.stdout)
    raise typer.Exit(int(ExitCode.FINDINGS if report.findings else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
