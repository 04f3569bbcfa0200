"""``recctl validate``."""

import sys
from pathlib import Path

import typer

from recctl.cli._options import Format, Jobs, Paths, Schema, config, format_name
from recctl.errors import ExitCode


def validate(
    paths: Paths = None, output: Format = None, schema: Schema = None, jobs: Jobs = None
) -> None:
    """Check recordings against the JSON schema.

    Reports every error of every file with its path, line and JSON pointer; exits 1 when
    any file is invalid or unreadable.
    """
    from recctl.discovery import find_recording_names
    from recctl.reporters import REPORTERS
    from recctl.schema import SchemaValidator
    from recctl.validate import validate_paths

    settings = config()
    cwd = Path.cwd()
    files = find_recording_names(paths or [], settings, cwd)
    validator = SchemaValidator.from_path(schema or settings.schema)
    report = validate_paths(files, validator, cwd, settings.max_file_size, jobs)
    REPORTERS[format_name(output)](report, sys.stdout)
    raise typer.Exit(int(ExitCode.FINDINGS if report.findings else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
